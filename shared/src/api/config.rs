//! `/api/admin/<resource>`: the same six handlers for every configuration resource — admins
//! write; who reads depends on the resource; supervisors see only their operations' groups.

use crate::auth::{authenticate, Principal, ADMINS};
use crate::config::{self, members, Resource};
use crate::context::Ctx;
use crate::enums::{Profile, Status};
use crate::errors::{AppError, AppResult};
use crate::web::{created, ok, Request, Response};
use serde_json::Value;

/// Supervisors read an operation-scoped item only when they oversee its operation.
fn visible<R: Resource>(
    ctx: &Ctx,
    principal: &Principal,
    stored: &config::sql::Stored,
) -> AppResult<()> {
    let supervisor = matches!(
        principal.profile(),
        Profile::Supervisor | Profile::SupervisorAgent
    );
    if R::OPERATION_SCOPED && supervisor {
        let operation = stored.ref_id.unwrap_or(0);
        if !members::supervises(
            ctx.db,
            principal.tenant_id(),
            principal.user_id(),
            operation,
        )? {
            return Err(AppError::not_found(R::KIND));
        }
    }
    Ok(())
}

pub fn list<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(R::READ)?;
    ok(&config::list::<R>(ctx, &principal, &req.query())?)
}

pub fn create<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let body: Value = req.json()?;
    created(&config::present::<R>(&config::create::<R>(
        ctx,
        principal.tenant_id(),
        body,
    )?)?)
}

pub fn get<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(R::READ)?;
    let stored = config::get::<R>(ctx, principal.tenant_id(), req.param("id")?)?;
    visible::<R>(ctx, &principal, &stored)?;
    ok(&config::present::<R>(&stored)?)
}

pub fn update<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let patch: Value = req.json()?;
    let stored = config::update::<R>(ctx, principal.tenant_id(), req.param("id")?, patch)?;
    ok(&config::present::<R>(&stored)?)
}

pub fn activate<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status::<R>(ctx, req, Status::Active)
}

pub fn deactivate<R: Resource>(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    set_status::<R>(ctx, req, Status::Inactive)
}

fn set_status<R: Resource>(ctx: &Ctx, req: &Request, status: Status) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(ADMINS)?;
    let stored = config::set_status::<R>(ctx, principal.tenant_id(), req.param("id")?, status)?;
    ok(&config::present::<R>(&stored)?)
}

/// A webhook's deliveries
///
/// Its delivery log, newest first: each event with its attempts and the last answer.
#[utoipa::path(get, path = "/api/admin/webhooks/{id}/deliveries", params(super::PageParams), responses((status = 200, description = "A page of deliveries", body = crate::web::Paged<crate::webhook_delivery::LoggedDelivery>)))]
pub fn webhook_deliveries(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(crate::auth::READERS)?;
    let hook = config::get::<crate::config::webhook::Webhook>(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
    )?;
    let page = crate::web::Page::from_query(&req.query())?;
    let rows = crate::webhook_delivery::log(
        ctx.db,
        principal.tenant_id(),
        hook.id,
        page.offset(),
        page.fetch(),
    )?;
    ok(&page.finish(rows))
}

/// The documentation of the six generic handlers above, built per resource type (a generic
/// handler cannot carry one `#[utoipa::path]`). Mount with
/// `.doc_built(docs::list::<R>, docs::schemas::<R>, docs::list_errors::<R>())` and so on (the
/// admin component's `resource!` does it for each resource).
pub mod docs {
    use crate::config::{Item, Resource};
    use crate::openapi::{paged, push_schema, Errors, SchemaList};
    use utoipa::openapi::path::{Operation, OperationBuilder, Parameter, ParameterIn};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::{
        KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
    };
    use utoipa::openapi::{Content, Ref, RefOr, Required, Response};
    use utoipa::{PartialSchema, ToSchema};

    /// A bad filter (`status`, the parent's id) or page.
    pub const LIST_ERRORS: Errors = &[(422, &["validation_failed"])];
    pub const READ_ERRORS: Errors = &[];
    const UNIQUE_CREATE_ERRORS: Errors = &[(409, &["already_exists"])];
    const UNIQUE_UPDATE_ERRORS: Errors = &[(409, &["already_exists", "edit_conflict"])];
    const UPDATE_ERRORS: Errors = &[(409, &["edit_conflict"])];

    /// Another item of the kind already has the unique key (`R::UNIQUE`).
    pub fn create_errors<R: Resource>() -> Errors {
        if R::UNIQUE {
            UNIQUE_CREATE_ERRORS
        } else {
            READ_ERRORS
        }
    }

    /// A taken unique key, or an edit that never settled against concurrent ones.
    pub fn update_errors<R: Resource>() -> Errors {
        if R::UNIQUE {
            UNIQUE_UPDATE_ERRORS
        } else {
            UPDATE_ERRORS
        }
    }

    /// The item as the API shows it (`config::present`), under the resource's name (`Tag`).
    fn item_name<R: Resource>() -> String {
        Item::<R::Doc>::name().into_owned()
    }

    /// The document (what a create sends) and the item (what every answer shows).
    pub fn schemas<R: Resource>(schemas: &mut SchemaList) {
        push_schema::<R::Doc>(schemas);
        push_schema::<Item<R::Doc>>(schemas);
    }

    fn json(schema: impl Into<RefOr<Schema>>) -> Content {
        Content::new(Some(schema.into()))
    }

    fn item_response<R: Resource>(description: &str) -> Response {
        let mut r = Response::new(description);
        r.content.insert(
            "application/json".into(),
            json(Ref::from_schema_name(item_name::<R>())),
        );
        r
    }

    /// `quick_reply` → `quick replies`, for summaries.
    fn plural(kind: &str) -> String {
        let words = kind.replace('_', " ");
        match words.strip_suffix('y') {
            _ if words.ends_with('s') => words,
            Some(stem) if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) => format!("{stem}ies"),
            _ => format!("{words}s"),
        }
    }

    fn operation<R: Resource>(summary: String, id: &str) -> OperationBuilder {
        OperationBuilder::new()
            .summary(Some(summary))
            .operation_id(Some(format!("{id}_{}", R::KIND)))
            .tag(format!("admin: {}", R::KIND))
    }

    fn query(name: &str, schema: impl Into<RefOr<Schema>>, description: &str) -> Parameter {
        let mut p = Parameter::new(name);
        p.parameter_in = ParameterIn::Query;
        p.required = Required::False;
        p.description = Some(description.to_owned());
        p.schema = Some(schema.into());
        p
    }

    fn integer(minimum: Option<f64>, maximum: Option<f64>) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(minimum)
            .maximum(maximum)
    }

    pub fn list<R: Resource>() -> Operation {
        let mut page = Response::new("A page of items, by name");
        page.content.insert(
            "application/json".into(),
            json(paged(Ref::from_schema_name(item_name::<R>()).into())),
        );
        let mut op = operation::<R>(format!("List {}", plural(R::KIND)), "list")
            .description(Some(
                "Supervisors see only the items of the operations they oversee where the \
                 resource belongs to an operation.",
            ))
            .parameter(query(
                "q",
                ObjectBuilder::new().schema_type(Type::String),
                "Text in the name",
            ))
            .parameter(query(
                "status",
                crate::enums::Status::schema(),
                "Only active or only inactive items",
            ))
            .parameter(query(
                "cursor",
                ObjectBuilder::new().schema_type(Type::String),
                "The `next` of the previous page (opaque); absent for the first page",
            ))
            .parameter(query(
                "limit",
                integer(Some(1.0), Some(crate::web::Page::MAX_LIMIT as f64)),
                "Items per page (default 50)",
            ))
            .response("200", page);
        if let Some(param) = R::REF_PARAM {
            op = op.parameter(query(
                param,
                integer(None, None),
                "Only the items of this parent",
            ));
        }
        op.build()
    }

    pub fn create<R: Resource>() -> Operation {
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                "application/json",
                json(Ref::from_schema_name(<R::Doc as ToSchema>::name())),
            )
            .build();
        operation::<R>(format!("Create a {}", R::KIND.replace('_', " ")), "create")
            .description(Some(
                "Validated whole: every problem is named at once (422).",
            ))
            .request_body(Some(body))
            .response("201", item_response::<R>("The new item, active"))
            .build()
    }

    pub fn get<R: Resource>() -> Operation {
        operation::<R>(format!("Read a {}", R::KIND.replace('_', " ")), "get")
            .response("200", item_response::<R>("The item"))
            .build()
    }

    /// A merge patch: any of the document's fields, each also `null` (which removes it, back to
    /// its default); the item's own fields may come back unchanged and are ignored.
    fn patch_schema<R: Resource>() -> Schema {
        let mut patch = match <R::Doc as PartialSchema>::schema() {
            RefOr::T(Schema::Object(o)) => o,
            _ => ObjectBuilder::new().build(),
        };
        patch.required.clear();
        for value in patch.properties.values_mut() {
            let nullable = OneOfBuilder::new()
                .item(value.clone())
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .build();
            *value = RefOr::T(Schema::OneOf(nullable));
        }
        for meta in crate::config::META {
            patch.properties.insert(
                meta.to_owned(),
                ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
                    .description(Some("Ignored: the item's own field, as read"))
                    .into(),
            );
        }
        Schema::Object(patch)
    }

    pub fn update<R: Resource>() -> Operation {
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content("application/json", json(patch_schema::<R>()))
            .build();
        operation::<R>(format!("Change a {}", R::KIND.replace('_', " ")), "update")
            .description(Some(
                "A JSON merge patch (RFC 7386) over the stored document: the fields sent replace \
                 theirs, `null` removes one, objects merge key by key; the result is validated \
                 whole. Two edits at once never lose one silently.",
            ))
            .request_body(Some(body))
            .response("200", item_response::<R>("The changed item"))
            .build()
    }

    pub fn activate<R: Resource>() -> Operation {
        operation::<R>(
            format!("Activate a {}", R::KIND.replace('_', " ")),
            "activate",
        )
        .response("200", item_response::<R>("The item, active"))
        .build()
    }

    pub fn deactivate<R: Resource>() -> Operation {
        operation::<R>(
            format!("Deactivate a {}", R::KIND.replace('_', " ")),
            "deactivate",
        )
        .description(Some(
            "Nothing is deleted: an inactive item is kept and may be activated again.",
        ))
        .response("200", item_response::<R>("The item, inactive"))
        .build()
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn summaries_name_the_resource_in_the_plural() {
            let plurals: Vec<String> = ["quick_reply", "survey", "business_hours", "tag"]
                .into_iter()
                .map(super::plural)
                .collect();
            assert_eq!(
                plurals,
                ["quick replies", "surveys", "business hours", "tags"]
            );
        }
    }
}
