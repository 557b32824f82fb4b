//! Where a Distributed Map's `ItemReader` reads and its `ResultWriter` writes: an S3-shaped object store.
//!
//! The engine never talks to S3 itself. Callers plug in a store: [`LocalObjectStore`] serves
//! `s3://bucket/key` from `ROOT/bucket/key` on disk (for local runs and tests); a host can implement
//! [`ObjectStore`] over the AWS SDK to read real buckets.

use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use time::OffsetDateTime;

use crate::exec::BoxFuture;

/// One object as `ListObjectsV2` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSummary {
    /// The object key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// The entity tag, with S3's surrounding double quotes (e.g. `"\"9a0364b9...\""`).
    pub etag: String,
    /// When it was last written.
    pub last_modified: OffsetDateTime,
    /// `STANDARD` for local objects.
    pub storage_class: String,
}

/// Why an object could not be read or written; the message is shown as the failure's cause.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ObjectStoreError {
    /// S3's error code when there is one (`NoSuchKey`, `NoSuchBucket`, `AccessDenied`...).
    pub code: String,
    /// A readable explanation naming the bucket and key.
    pub message: String,
}

impl ObjectStoreError {
    /// An error with S3's `code`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ObjectStoreError {
        ObjectStoreError {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An S3-shaped object store.
pub trait ObjectStore: Send + Sync {
    /// The body of `s3://bucket/key` (GetObject).
    fn get_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Vec<u8>, ObjectStoreError>>;

    /// Every object of `bucket` whose key starts with `prefix`, in key order (ListObjectsV2, all pages).
    fn list_objects<'a>(
        &'a self,
        bucket: &'a str,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<Vec<ObjectSummary>, ObjectStoreError>>;

    /// Writes `body` to `s3://bucket/key` (PutObject).
    fn put_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), ObjectStoreError>>;
}

/// Serves `s3://bucket/key` from `root/bucket/key`: a bucket is a folder, a key a relative file path.
#[derive(Clone, Debug)]
pub struct LocalObjectStore {
    root: PathBuf,
}

impl LocalObjectStore {
    /// A store whose buckets are the folders of `root`.
    pub fn new(root: impl Into<PathBuf>) -> LocalObjectStore {
        LocalObjectStore { root: root.into() }
    }

    /// The folder holding the buckets.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn bucket_dir(&self, bucket: &str) -> Result<PathBuf, ObjectStoreError> {
        if bucket.is_empty() || bucket.contains(['/', '\\']) || bucket == "." || bucket == ".." {
            return Err(ObjectStoreError::new(
                "InvalidBucketName",
                format!("The specified bucket is not valid: '{bucket}'"),
            ));
        }
        let dir = self.root.join(bucket);
        if !dir.is_dir() {
            return Err(ObjectStoreError::new(
                "NoSuchBucket",
                format!(
                    "The specified bucket does not exist: '{bucket}' (no folder {})",
                    dir.display()
                ),
            ));
        }
        Ok(dir)
    }

    /// The file for `key`, refusing keys that would leave the bucket's folder.
    fn object_path(&self, bucket: &str, key: &str) -> Result<PathBuf, ObjectStoreError> {
        let dir = self.bucket_dir(bucket)?;
        let escapes = key.split('/').any(|part| part == ".." || part == ".");
        if key.is_empty() || key.starts_with('/') || escapes {
            return Err(ObjectStoreError::new(
                "InvalidKey",
                format!("The key '{key}' cannot be served from a local folder"),
            ));
        }
        Ok(dir.join(key))
    }
}

fn no_such_key(bucket: &str, key: &str) -> ObjectStoreError {
    ObjectStoreError::new(
        "NoSuchKey",
        format!("The specified key does not exist: s3://{bucket}/{key}"),
    )
}

fn io_error(bucket: &str, key: &str, e: std::io::Error) -> ObjectStoreError {
    if e.kind() == std::io::ErrorKind::NotFound {
        return no_such_key(bucket, key);
    }
    ObjectStoreError::new("InternalError", format!("s3://{bucket}/{key}: {e}"))
}

impl ObjectStore for LocalObjectStore {
    fn get_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Vec<u8>, ObjectStoreError>> {
        Box::pin(async move {
            let path = self.object_path(bucket, key)?;
            if path.is_dir() {
                return Err(no_such_key(bucket, key));
            }
            tokio::fs::read(&path)
                .await
                .map_err(|e| io_error(bucket, key, e))
        })
    }

    fn list_objects<'a>(
        &'a self,
        bucket: &'a str,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<Vec<ObjectSummary>, ObjectStoreError>> {
        Box::pin(async move {
            let dir = self.bucket_dir(bucket)?;
            let mut files = Vec::new();
            collect_files(&dir, String::new(), &mut files)
                .map_err(|e| ObjectStoreError::new("InternalError", format!("{bucket}: {e}")))?;
            // S3 lists keys in UTF-8 binary order.
            files.sort();
            let mut out = Vec::new();
            for key in files.into_iter().filter(|k| k.starts_with(prefix)) {
                let path = dir.join(&key);
                let body = tokio::fs::read(&path)
                    .await
                    .map_err(|e| io_error(bucket, &key, e))?;
                let modified = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .map(OffsetDateTime::from)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                out.push(ObjectSummary {
                    size: body.len() as u64,
                    // A single-part upload's ETag is the MD5 of its body.
                    etag: format!("\"{}\"", hex(&Md5::digest(&body))),
                    last_modified: modified,
                    storage_class: "STANDARD".into(),
                    key,
                });
            }
            Ok(out)
        })
    }

    fn put_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), ObjectStoreError>> {
        Box::pin(async move {
            let path = self.object_path(bucket, key)?;
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(|e| io_error(bucket, key, e))?;
            }
            tokio::fs::write(&path, body)
                .await
                .map_err(|e| io_error(bucket, key, e))
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file under `dir`, as `/`-separated keys relative to the bucket folder.
fn collect_files(dir: &Path, prefix: String, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = format!("{prefix}{name}");
        if entry.file_type()?.is_dir() {
            collect_files(&entry.path(), format!("{key}/"), out)?;
        } else {
            out.push(key);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, LocalObjectStore) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bucket/logs")).unwrap();
        std::fs::write(dir.path().join("bucket/a.json"), "[1]").unwrap();
        std::fs::write(dir.path().join("bucket/logs/b.txt"), "hello").unwrap();
        let store = LocalObjectStore::new(dir.path());
        (dir, store)
    }

    #[tokio::test]
    async fn reads_lists_and_writes_objects_under_bucket_folders() {
        let (_dir, store) = store();
        assert_eq!(store.get_object("bucket", "a.json").await.unwrap(), b"[1]");
        let listed = store.list_objects("bucket", "").await.unwrap();
        let keys: Vec<_> = listed.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["a.json", "logs/b.txt"]);
        assert_eq!(listed[1].size, 5);
        // MD5("hello"), quoted as S3 returns it.
        assert_eq!(listed[1].etag, "\"5d41402abc4b2a76b9719d911017c592\"");
        let logs = store.list_objects("bucket", "logs/").await.unwrap();
        assert_eq!(logs.len(), 1);
        store
            .put_object("bucket", "out/x/manifest.json", b"{}".to_vec())
            .await
            .unwrap();
        assert_eq!(
            store
                .get_object("bucket", "out/x/manifest.json")
                .await
                .unwrap(),
            b"{}"
        );
    }

    #[tokio::test]
    async fn missing_objects_and_escaping_keys_are_s3_errors() {
        let (_dir, store) = store();
        let e = store.get_object("bucket", "nope.json").await.unwrap_err();
        assert_eq!(e.code, "NoSuchKey");
        assert!(e.message.contains("s3://bucket/nope.json"), "{e}");
        let e = store.get_object("other", "a.json").await.unwrap_err();
        assert_eq!(e.code, "NoSuchBucket");
        let e = store
            .get_object("bucket", "../bucket/a.json")
            .await
            .unwrap_err();
        assert_eq!(e.code, "InvalidKey");
        let e = store.get_object("..", "x").await.unwrap_err();
        assert_eq!(e.code, "InvalidBucketName");
    }
}
