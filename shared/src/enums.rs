//! Enums stored in the database, each with its explicit stored value, a fallible decode and
//! the same spelling in JSON. Defined once here so no two places map them differently.

macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $stored:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $stored),+ }
            }

            /// The stored or JSON spelling back to the enum.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($stored => Some($name::$variant),)+ _ => None }
            }

            pub fn decode(s: &str) -> Result<Self, $crate::ports::DbError> {
                Self::parse(s).ok_or_else(|| $crate::ports::DbError::Decode {
                    column: stringify!($name).to_owned(),
                    reason: format!("unknown value {s:?}"),
                })
            }

            pub fn expected() -> String {
                [$($stored),+].join(", ")
            }
        }

        impl From<$name> for $crate::ports::Value {
            fn from(v: $name) -> $crate::ports::Value { $crate::ports::Value::Text(v.as_str().to_owned()) }
        }

        /// A string of one of the stored spellings.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($stored),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown value {s:?}, expected one of: {}",
                        $name::expected()
                    ))
                })
            }
        }
    };
}

pub(crate) use stored_enum;

stored_enum!(
    /// What a user may do (SPEC §1).
    Profile {
        Admin = "admin",
        Supervisor = "supervisor",
        SupervisorAgent = "supervisor_agent",
        Agent = "agent",
    }
);

stored_enum!(
    /// Nothing is deleted: records are deactivated.
    Status {
        Active = "active",
        Inactive = "inactive",
    }
);

stored_enum!(
    /// The three languages every system message exists in.
    Language {
        PtBr = "pt-BR",
        Es = "es",
        En = "en",
    }
);

impl Profile {
    /// Profiles that answer customers.
    pub fn answers(self) -> bool {
        matches!(self, Profile::Agent | Profile::SupervisorAgent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_through_storage_and_json() {
        for p in Profile::ALL {
            assert_eq!(Profile::decode(p.as_str()).ok(), Some(*p));
            let json = serde_json::to_string(p).unwrap_or_default();
            assert_eq!(serde_json::from_str::<Profile>(&json).ok(), Some(*p));
        }
        for s in Status::ALL {
            assert_eq!(Status::decode(s.as_str()).ok(), Some(*s));
        }
        for l in Language::ALL {
            assert_eq!(Language::decode(l.as_str()).ok(), Some(*l));
        }
        assert!(Profile::decode("root").is_err());
    }
}
