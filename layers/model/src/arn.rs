//! Lenient reading of the account id inside ARNs and the other resource ids Security Hub findings carry.
//!
//! An ARN is `arn:partition:service:region:account-id:resource`, but findings are not always tidy:
//! AWS's own documentation examples include `arn:aws::guardduty:...` (an extra colon shifts every
//! component), global resources have no region, S3 buckets have neither region nor account, AWS
//! managed IAM policies have `aws` where the account goes, and resources of type `AwsAccount` use
//! `AWS::::Account:111122223333`. None of these may panic or yield a wrong account.

/// Whether `text` is an AWS account id: exactly twelve ASCII digits.
///
/// ```
/// assert!(soar_model::arn::is_account_id("111122223333"));
/// assert!(!soar_model::arn::is_account_id("aws"));
/// assert!(!soar_model::arn::is_account_id("11112222333"));
/// ```
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The account id in an ARN or `AWS::::Account:<id>` resource id, if there is one.
///
/// Tolerates a stray extra colon after the partition (`arn:aws::guardduty:us-east-1:111122223333:...`),
/// which AWS's own documentation examples contain.
///
/// ```
/// use soar_model::arn::account_id;
/// assert_eq!(account_id("arn:aws:ec2:eu-west-1:444455556666:instance/i-0abc"), Some("444455556666"));
/// assert_eq!(account_id("arn:aws::guardduty:us-east-1:111122223333:detector/x"), Some("111122223333"));
/// assert_eq!(account_id("AWS::::Account:777788889999"), Some("777788889999"));
/// assert_eq!(account_id("arn:aws:s3:::example-bucket"), None);
/// assert_eq!(account_id("arn:aws:iam::aws:policy/AdministratorAccess"), None);
/// assert_eq!(account_id("inspector/us-east-1/111122223333/finding-1"), None);
/// ```
pub fn account_id(id: &str) -> Option<&str> {
    let id = id.trim();
    if let Some(account) = id.strip_prefix("AWS::::Account:") {
        return is_account_id(account).then_some(account);
    }
    if !id.starts_with("arn:") {
        return None;
    }
    // arn : partition : service : region : account : resource... — the resource may itself contain
    // colons. An empty service means a stray extra colon (`arn:aws::guardduty:...`), which shifts the
    // account one place to the right.
    let mut parts = id.splitn(7, ':');
    let service = parts.nth(2)?;
    let account = if service.is_empty() {
        parts.nth(2)
    } else {
        parts.nth(1)
    }?;
    is_account_id(account).then_some(account)
}

/// The partition (`aws`, `aws-cn`, `aws-us-gov`, ...) of an ARN, if `id` is one.
///
/// ```
/// assert_eq!(soar_model::arn::partition("arn:aws-us-gov:s3:::b"), Some("aws-us-gov"));
/// assert_eq!(soar_model::arn::partition("i-0abc"), None);
/// ```
pub fn partition(id: &str) -> Option<&str> {
    let rest = id.trim().strip_prefix("arn:")?;
    let partition = rest.split(':').next()?;
    (!partition.is_empty()).then_some(partition)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_arns() {
        assert_eq!(
            account_id("arn:aws:cloudwatch:eu-west-1:444455556666:alarm:payments-api-5xx-rate"),
            Some("444455556666")
        );
        assert_eq!(
            account_id("arn:aws:iam::111122223333:role/Admin"),
            Some("111122223333")
        );
        assert_eq!(
            account_id("arn:aws-cn:ec2:cn-north-1:777788889999:volume/vol-1"),
            Some("777788889999")
        );
    }

    #[test]
    fn malformed_and_accountless_ids() {
        assert_eq!(account_id(""), None);
        assert_eq!(account_id("arn:"), None);
        assert_eq!(account_id("arn:aws"), None);
        assert_eq!(
            account_id("arn:aws:securityhub:eu-west-1::product/aws/securityhub"),
            None
        );
        assert_eq!(account_id("i-0f1e2d3c4b5a69788"), None);
        assert_eq!(account_id("AWS::::Account:12"), None);
        // A twelve-digit number in the resource part is not the account.
        assert_eq!(account_id("arn:aws:s3:::bucket:111122223333"), None);
        // Bucket names may be all digits.
        assert_eq!(account_id("arn:aws:s3:::111122223333"), None);
    }

    #[test]
    fn account_ids_are_exactly_twelve_digits() {
        assert!(is_account_id("000000000000"));
        assert!(!is_account_id("1111222233334"));
        assert!(!is_account_id("11112222333a"));
        assert!(!is_account_id("１１１１２２２２３３３３"));
    }
}
