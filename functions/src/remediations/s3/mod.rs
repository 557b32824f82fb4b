//! S3 remediations, and what they share: reading a bucket's tags, and its ACL ([`acl`]).

pub mod account_public_access_block;
pub mod acl;
pub mod block_public_access;
pub mod tls_only_policy;

use aws_sdk_s3::error::ProvideErrorMetadata;

use super::Clients;
use super::aws::sdk_error;
use crate::TaskError;

/// The bucket name of an S3 bucket ARN (`arn:aws:s3:::NAME`).
pub(crate) fn bucket_name(id: &str) -> Result<String, String> {
    let name = id
        .strip_prefix("arn:aws:s3:::")
        .or_else(|| id.strip_prefix("arn:aws-us-gov:s3:::"))
        .or_else(|| id.strip_prefix("arn:aws-cn:s3:::"));
    match name {
        Some(name)
            if (3..=63).contains(&name.len())
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b)
                }) =>
        {
            Ok(name.to_owned())
        }
        _ => Err(format!(
            "expected the ARN of an S3 bucket (arn:aws:s3:::NAME), got {id:?}"
        )),
    }
}

/// The bucket's tags; none when it has no tag set (S3 answers `NoSuchTagSet`).
pub(crate) async fn bucket_tags(
    clients: &Clients,
    bucket: &str,
) -> Result<Vec<(String, String)>, TaskError> {
    match clients
        .s3()
        .get_bucket_tagging()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()),
        Err(e) if e.code() == Some("NoSuchTagSet") => Ok(Vec::new()),
        Err(e) => Err(sdk_error("S3", "GetBucketTagging", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_come_from_bucket_arns() {
        assert_eq!(
            bucket_name("arn:aws:s3:::example-payments-uploads"),
            Ok("example-payments-uploads".to_owned())
        );
        for bad in [
            "example-payments-uploads",
            "arn:aws:s3:::",
            "arn:aws:s3:::Bad_Name",
            "arn:aws:s3:::b/key",
        ] {
            assert!(bucket_name(bad).is_err(), "{bad}");
        }
    }
}
