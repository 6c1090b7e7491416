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
#[utoipa::path(get, path = "/api/admin/webhooks/{id}/deliveries", responses((status = 200, description = "A page of deliveries", body = crate::web::Paged<crate::webhook_delivery::LoggedDelivery>)))]
pub fn webhook_deliveries(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let principal = authenticate(ctx, req)?;
    principal.require(crate::auth::READERS)?;
    let hook = config::get::<crate::config::webhook::Webhook>(
        ctx,
        principal.tenant_id(),
        req.param("id")?,
    )?;
    let page = crate::web::Page::from_query(&req.query())?;
    let (items, total) = crate::webhook_delivery::log(
        ctx.db,
        principal.tenant_id(),
        hook.id,
        page.offset(),
        page.limit(),
    )?;
    ok(&crate::web::Paged {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// The documentation of the six generic handlers above, built per resource type (a generic
/// handler cannot carry one `#[utoipa::path]`). Mount with
/// `.doc_built(docs::list::<R>, docs::schemas::<R>, docs::LIST_ERRORS)` and so on; `R::Doc`
/// derives `utoipa::ToSchema`.
pub mod docs {
    use crate::config::Resource;
    use crate::openapi::{paged, push_schema, Errors, SchemaList};
    use utoipa::openapi::path::{Operation, OperationBuilder, Parameter, ParameterIn};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::{Content, Ref, RefOr, Required, Response};
    use utoipa::ToSchema;

    pub const LIST_ERRORS: Errors = &[(422, &["validation_failed"])];
    pub const WRITE_ERRORS: Errors = &[(409, &["already_exists"])];
    pub const READ_ERRORS: Errors = &[];

    /// The item as the API shows it (`config::present`): the document's fields plus `id`,
    /// `status` and the times, under the resource's name (`Tag` for `TagDoc`).
    fn item_name<R: Resource>() -> String
    where
        R::Doc: ToSchema,
    {
        let doc = <R::Doc as ToSchema>::name();
        doc.strip_suffix("Doc").unwrap_or(&doc).to_owned()
    }

    fn item_schema<R: Resource>() -> RefOr<Schema>
    where
        R::Doc: ToSchema,
    {
        let mut schema = match <R::Doc as utoipa::PartialSchema>::schema() {
            RefOr::T(Schema::Object(o)) => o,
            _ => ObjectBuilder::new().build(),
        };
        // What the server adds around what the client wrote.
        schema.additional_properties = None;
        for (name, kind) in [
            ("id", Type::Integer),
            ("status", Type::String),
            ("created_at", Type::String),
            ("updated_at", Type::String),
        ] {
            schema.properties.insert(
                name.to_owned(),
                ObjectBuilder::new().schema_type(kind).into(),
            );
            schema.required.push(name.to_owned());
        }
        RefOr::T(Schema::Object(schema))
    }

    /// `R::Doc` and the item schema, for the document's components.
    pub fn schemas<R: Resource>(schemas: &mut SchemaList)
    where
        R::Doc: ToSchema,
    {
        push_schema::<R::Doc>(schemas);
        schemas.push((item_name::<R>(), item_schema::<R>()));
    }

    fn json(schema: impl Into<RefOr<Schema>>) -> Content {
        Content::new(Some(schema.into()))
    }

    fn item_response<R: Resource>(description: &str) -> Response
    where
        R::Doc: ToSchema,
    {
        let mut r = Response::new(description);
        r.content.insert(
            "application/json".into(),
            json(Ref::from_schema_name(item_name::<R>())),
        );
        r
    }

    fn tagged<R: Resource>(mut operation: Operation) -> Operation
    where
        R::Doc: ToSchema,
    {
        operation.tags = Some(vec![format!("admin: {}", R::KIND)]);
        operation
    }

    fn query(name: &str, kind: Type, description: &str) -> Parameter {
        let mut p = Parameter::new(name);
        p.parameter_in = ParameterIn::Query;
        p.required = Required::False;
        p.description = Some(description.to_owned());
        p.schema = Some(ObjectBuilder::new().schema_type(kind).into());
        p
    }

    pub fn list<R: Resource>() -> Operation
    where
        R::Doc: ToSchema,
    {
        let mut page = Response::new("A page of items");
        page.content.insert(
            "application/json".into(),
            json(paged(Ref::from_schema_name(item_name::<R>()).into())),
        );
        let mut op = OperationBuilder::new()
            .summary(Some(format!("List {}s", R::KIND)))
            .operation_id(Some(format!("list_{}", R::KIND)))
            .parameter(query("q", Type::String, "Text the name contains"))
            .parameter(query("status", Type::String, "`active` or `inactive`"))
            .parameter(query("page", Type::Integer, "From 1"))
            .parameter(query("per_page", Type::Integer, "1 to 200, default 50"))
            .response("200", page);
        if let Some(param) = R::REF_PARAM {
            op = op.parameter(query(param, Type::Integer, "Only the items of this parent"));
        }
        tagged::<R>(op.build())
    }

    pub fn create<R: Resource>() -> Operation
    where
        R::Doc: ToSchema,
    {
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                "application/json",
                json(Ref::from_schema_name(<R::Doc as ToSchema>::name())),
            )
            .build();
        let op = OperationBuilder::new()
            .summary(Some(format!("Create a {}", R::KIND)))
            .operation_id(Some(format!("create_{}", R::KIND)))
            .request_body(Some(body))
            .response("201", item_response::<R>("Created"))
            .build();
        tagged::<R>(op)
    }

    pub fn get<R: Resource>() -> Operation
    where
        R::Doc: ToSchema,
    {
        let op = OperationBuilder::new()
            .summary(Some(format!("Read a {}", R::KIND)))
            .operation_id(Some(format!("get_{}", R::KIND)))
            .response("200", item_response::<R>("The item"))
            .build();
        tagged::<R>(op)
    }

    pub fn update<R: Resource>() -> Operation
    where
        R::Doc: ToSchema,
    {
        // A patch: any of the document's fields.
        let mut patch = match <R::Doc as utoipa::PartialSchema>::schema() {
            RefOr::T(Schema::Object(o)) => o,
            _ => ObjectBuilder::new().build(),
        };
        patch.required.clear();
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content("application/json", json(Schema::Object(patch)))
            .build();
        let op = OperationBuilder::new()
            .summary(Some(format!("Change a {}", R::KIND)))
            .operation_id(Some(format!("update_{}", R::KIND)))
            .request_body(Some(body))
            .response("200", item_response::<R>("The changed item"))
            .build();
        tagged::<R>(op)
    }

    pub fn activate<R: Resource>() -> Operation
    where
        R::Doc: ToSchema,
    {
        let op = OperationBuilder::new()
            .summary(Some(format!("Activate a {}", R::KIND)))
            .operation_id(Some(format!("activate_{}", R::KIND)))
            .response("200", item_response::<R>("The item, active"))
            .build();
        tagged::<R>(op)
    }

    pub fn deactivate<R: Resource>() -> Operation
    where
        R::Doc: ToSchema,
    {
        let op = OperationBuilder::new()
            .summary(Some(format!("Deactivate a {}", R::KIND)))
            .operation_id(Some(format!("deactivate_{}", R::KIND)))
            .response("200", item_response::<R>("The item, inactive"))
            .build();
        tagged::<R>(op)
    }
}
