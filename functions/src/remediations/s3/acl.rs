//! A bucket's ACL (access control list), as S3.2 and S3.3 read and rewrite it: its public grants
//! (to everyone, `AllUsers`, or to every AWS account, `AuthenticatedUsers`) are removed and every
//! other grant is kept, which leaves the canned `private` ACL when the owner's is the only one.
//!
//! Offline the ACL comes from the finding: ASFF's `AwsS3Bucket.AccessControlList` is AWS Config's
//! JSON of it, as a string.

use aws_sdk_s3::types::{AccessControlPolicy, Owner, Permission, Type};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::TaskError;
use crate::remediations::Clients;
use crate::remediations::aws::aws;

/// The group of everyone, signed in or not.
pub const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
/// The group of every AWS account's signed-in principals.
pub const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

/// Who a grant is to, in the API's shape (`{"Type": "Group", "URI": ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "Type")]
pub enum Grantee {
    /// An account or user by canonical id.
    CanonicalUser {
        /// `ID`.
        #[serde(rename = "ID")]
        id: String,
    },
    /// A predefined group.
    Group {
        /// `URI`.
        #[serde(rename = "URI")]
        uri: String,
    },
    /// An account by e-mail address (older regions only).
    AmazonCustomerByEmail {
        /// `EmailAddress`.
        #[serde(rename = "EmailAddress")]
        email: String,
    },
}

/// One grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Grant {
    /// `Grantee`.
    pub grantee: Grantee,
    /// `Permission`: `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP` or `FULL_CONTROL`.
    pub permission: String,
}

impl Grant {
    /// Whether it grants to everyone or to every AWS account.
    pub fn is_public(&self) -> bool {
        matches!(&self.grantee, Grantee::Group { uri } if uri == ALL_USERS || uri == AUTHENTICATED_USERS)
    }

    /// “AllUsers READ”.
    pub fn describe(&self) -> String {
        let who = match &self.grantee {
            Grantee::Group { uri } => uri.rsplit('/').next().unwrap_or(uri).to_owned(),
            Grantee::CanonicalUser { id } => format!("canonical user {id}"),
            Grantee::AmazonCustomerByEmail { email } => email.clone(),
        };
        format!("{who} {}", self.permission)
    }
}

/// A bucket's ACL: the `AccessControlPolicy` of `GetBucketAcl` and `PutBucketAcl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Acl {
    /// `Owner`.
    pub owner: AclOwner,
    /// `Grants`.
    pub grants: Vec<Grant>,
}

/// `Owner` of an ACL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclOwner {
    /// The owner's canonical id.
    #[serde(rename = "ID")]
    pub id: String,
}

impl Acl {
    /// Its public grants.
    pub fn public(&self) -> Vec<&Grant> {
        self.grants.iter().filter(|g| g.is_public()).collect()
    }

    /// The same ACL without its public grants.
    pub fn without_public(&self) -> Acl {
        Acl {
            owner: self.owner.clone(),
            grants: self
                .grants
                .iter()
                .filter(|g| !g.is_public())
                .cloned()
                .collect(),
        }
    }

    /// Whether it is the canned `private` ACL: the owner's full control and nothing else.
    pub fn is_private(&self) -> bool {
        matches!(self.grants.as_slice(), [Grant { grantee: Grantee::CanonicalUser { id }, permission }]
            if *id == self.owner.id && permission == "FULL_CONTROL")
    }

    /// The ACL of ASFF's `AccessControlList`: AWS Config's JSON (`{"grantList": [{"grantee":
    /// "AllUsers", "permission": "Read"}, {"grantee": {"id": ...}, ...}], "owner": {"id": ...}}`).
    /// `None` when absent or when a grant is of a shape SOAR does not know (it would be lost).
    pub fn from_config(text: &str) -> Option<Acl> {
        let config: Value = serde_json::from_str(text).ok()?;
        let grants = config["grantList"]
            .as_array()?
            .iter()
            .map(|grant| {
                let grantee = match &grant["grantee"] {
                    Value::String(group) => Grantee::Group {
                        uri: match group.as_str() {
                            "AllUsers" => ALL_USERS,
                            "AuthenticatedUsers" => AUTHENTICATED_USERS,
                            "LogDelivery" => LOG_DELIVERY,
                            _ => return None,
                        }
                        .to_owned(),
                    },
                    other => Grantee::CanonicalUser {
                        id: other["id"].as_str()?.to_owned(),
                    },
                };
                let permission = match grant["permission"].as_str()? {
                    "FullControl" => "FULL_CONTROL",
                    "Read" => "READ",
                    "Write" => "WRITE",
                    "ReadAcp" => "READ_ACP",
                    "WriteAcp" => "WRITE_ACP",
                    _ => return None,
                };
                Some(Grant {
                    grantee,
                    permission: permission.to_owned(),
                })
            })
            .collect::<Option<Vec<Grant>>>()?;
        Some(Acl {
            owner: AclOwner {
                id: config["owner"]["id"].as_str()?.to_owned(),
            },
            grants,
        })
    }

    /// The bucket's ACL (`GetBucketAcl`).
    pub async fn read(clients: &Clients, bucket: &str) -> Result<Acl, TaskError> {
        let out = clients
            .s3()
            .get_bucket_acl()
            .bucket(bucket)
            .send()
            .await
            .map_err(aws("S3", "GetBucketAcl"))?;
        let grants = out
            .grants()
            .iter()
            .filter_map(|grant| {
                let grantee = grant.grantee()?;
                let grantee = match grantee.r#type() {
                    Type::Group => Grantee::Group {
                        uri: grantee.uri()?.to_owned(),
                    },
                    Type::AmazonCustomerByEmail => Grantee::AmazonCustomerByEmail {
                        email: grantee.email_address()?.to_owned(),
                    },
                    _ => Grantee::CanonicalUser {
                        id: grantee.id()?.to_owned(),
                    },
                };
                Some(Grant {
                    grantee,
                    permission: grant.permission()?.as_str().to_owned(),
                })
            })
            .collect();
        Ok(Acl {
            owner: AclOwner {
                id: out
                    .owner()
                    .and_then(|o| o.id())
                    .unwrap_or_default()
                    .to_owned(),
            },
            grants,
        })
    }

    /// As the SDK's `AccessControlPolicy` (for `PutBucketAcl`).
    pub fn to_sdk(&self) -> Result<AccessControlPolicy, TaskError> {
        let mut grants = Vec::new();
        for grant in &self.grants {
            let grantee = match &grant.grantee {
                Grantee::CanonicalUser { id } => aws_sdk_s3::types::Grantee::builder()
                    .r#type(Type::CanonicalUser)
                    .id(id),
                Grantee::Group { uri } => aws_sdk_s3::types::Grantee::builder()
                    .r#type(Type::Group)
                    .uri(uri),
                Grantee::AmazonCustomerByEmail { email } => aws_sdk_s3::types::Grantee::builder()
                    .r#type(Type::AmazonCustomerByEmail)
                    .email_address(email),
            }
            .build()
            .map_err(|e| {
                TaskError::new(
                    crate::names::INVALID_SCRATCHPAD,
                    format!("the planned ACL has an invalid grantee: {e}"),
                )
            })?;
            grants.push(
                aws_sdk_s3::types::Grant::builder()
                    .grantee(grantee)
                    .permission(Permission::from(grant.permission.as_str()))
                    .build(),
            );
        }
        Ok(AccessControlPolicy::builder()
            .owner(Owner::builder().id(&self.owner.id).build())
            .set_grants(Some(grants))
            .build())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const OWNER: &str = "8f2c4a1e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a";

    #[test]
    fn config_s_acl_json_is_read_and_public_grants_are_found() {
        let text = json!({
            "grantSet": null,
            "grantList": [
                {"grantee": {"id": OWNER, "displayName": null}, "permission": "FullControl"},
                {"grantee": "AllUsers", "permission": "Read"},
                {"grantee": "AuthenticatedUsers", "permission": "Write"},
                {"grantee": "LogDelivery", "permission": "Write"},
            ],
            "owner": {"displayName": null, "id": OWNER},
            "isRequesterCharged": false,
        })
        .to_string();
        let acl = Acl::from_config(&text).unwrap();
        let public: Vec<String> = acl.public().iter().map(|g| g.describe()).collect();
        assert_eq!(public, ["AllUsers READ", "AuthenticatedUsers WRITE"]);
        let kept = acl.without_public();
        assert_eq!(kept.grants.len(), 2, "the owner's and the log delivery's");
        assert!(!kept.is_private());
        assert_eq!(
            serde_json::to_value(&kept).unwrap(),
            json!({"Owner": {"ID": OWNER}, "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": OWNER}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "WRITE"}]})
        );
        // An unknown grantee shape would be lost in a rewrite: the ACL is not taken as known.
        let odd = text.replace("\"LogDelivery\"", "\"SomeNewGroup\"");
        assert_eq!(Acl::from_config(&odd), None);
        assert_eq!(Acl::from_config("not json"), None);
    }

    #[test]
    fn the_owner_s_full_control_alone_is_private() {
        let acl = Acl {
            owner: AclOwner { id: OWNER.into() },
            grants: vec![
                Grant {
                    grantee: Grantee::CanonicalUser { id: OWNER.into() },
                    permission: "FULL_CONTROL".into(),
                },
                Grant {
                    grantee: Grantee::Group {
                        uri: ALL_USERS.into(),
                    },
                    permission: "READ".into(),
                },
            ],
        };
        assert!(!acl.is_private());
        assert!(acl.without_public().is_private());
        let sdk = acl.without_public().to_sdk().unwrap();
        assert_eq!(sdk.grants().len(), 1);
        assert_eq!(sdk.owner().and_then(|o| o.id()), Some(OWNER));
    }
}
