//! Object storage: the local filesystem (dev, single node) or any S3-compatible store. Uploads
//! are streamed: neither backend ever holds a whole object in memory (S3 buffers one multipart
//! part at a time).

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::secret::Secret;
use super::settings::{ChecksumMode, S3Settings, StorageSettings};

/// S3 needs parts of at least 5 MiB (except the last). One part is buffered at a time.
const PART_SIZE: usize = 6 * 1024 * 1024;

pub type ByteStreamBox = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("object is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// The source stream failed (client went away, or an inspector refused the content).
    #[error("upload source failed: {0}")]
    Source(std::io::Error),
    #[error("object not found")]
    NotFound,
    #[error("invalid object key {0:?}")]
    InvalidKey(String),
    #[error("storage backend error: {0}")]
    Backend(String),
}

fn backend<E: std::fmt::Display>(context: &str) -> impl FnOnce(E) -> StorageError + '_ {
    move |e| StorageError::Backend(format!("{context}: {e}"))
}

/// What was stored: the byte count and SHA-256 computed while streaming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    pub sha256: [u8; 32],
}

pub struct ObjectBody {
    pub size: Option<u64>,
    pub stream: ByteStreamBox,
}

#[derive(Clone)]
pub enum Storage {
    Local(LocalStore),
    S3(S3Store),
}

#[derive(Clone)]
pub struct LocalStore {
    root: PathBuf,
    /// Signs download URLs for the app's `/files/…` route.
    key: Secret<Vec<u8>>,
}

#[derive(Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

/// Keys are made by the server; this guards against a bug ever producing a path that escapes.
fn check_key(key: &str) -> Result<(), StorageError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(StorageError::InvalidKey(key.to_string()))
    }
}

impl Storage {
    pub async fn from_settings(
        settings: &StorageSettings,
        url_key: Secret<Vec<u8>>,
    ) -> Result<Self, StorageError> {
        match settings {
            StorageSettings::Local { root } => {
                tokio::fs::create_dir_all(root.join("objects"))
                    .await
                    .map_err(backend("create storage directory"))?;
                tokio::fs::create_dir_all(root.join("tmp"))
                    .await
                    .map_err(backend("create storage directory"))?;
                Ok(Storage::Local(LocalStore {
                    root: root.clone(),
                    key: url_key,
                }))
            }
            StorageSettings::S3(s3) => Ok(Storage::S3(S3Store::new(s3))),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Storage::Local(_) => "local",
            Storage::S3(_) => "s3",
        }
    }

    /// Streams `body` into `key`, refusing more than `limit` bytes (nothing is left behind).
    pub async fn put_stream<S>(
        &self,
        key: &str,
        content_type: &str,
        body: S,
        limit: u64,
    ) -> Result<StoredObject, StorageError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin,
    {
        check_key(key)?;
        match self {
            Storage::Local(l) => l.put_stream(key, body, limit).await,
            Storage::S3(s) => s.put_stream(key, content_type, body, limit).await,
        }
    }

    pub async fn get(&self, key: &str) -> Result<ObjectBody, StorageError> {
        check_key(key)?;
        match self {
            Storage::Local(l) => l.get(key).await,
            Storage::S3(s) => s.get(key).await,
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        check_key(key)?;
        match self {
            Storage::Local(l) => l.delete(key).await,
            Storage::S3(s) => s.delete(key).await,
        }
    }

    /// Keys under `prefix` with their age, for the orphan reconciler.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ListedObject>, StorageError> {
        match self {
            Storage::Local(l) => l.list(prefix).await,
            Storage::S3(s) => s.list(prefix).await,
        }
    }

    /// A short-lived URL that downloads the object with the given name and type: presigned for
    /// S3, a signed route of this app for local storage (relative to the site root).
    pub async fn download_url(
        &self,
        key: &str,
        filename: &str,
        content_type: &str,
        ttl: Duration,
    ) -> Result<String, StorageError> {
        check_key(key)?;
        let disposition = content_disposition("attachment", filename);
        match self {
            Storage::Local(l) => Ok(l.signed_path(key, &disposition, content_type, ttl)),
            Storage::S3(s) => s.presigned_get(key, &disposition, content_type, ttl).await,
        }
    }

    /// Readiness: can we reach the backend right now?
    pub async fn check(&self) -> Result<(), StorageError> {
        match self {
            Storage::Local(l) => tokio::fs::metadata(l.root.join("objects"))
                .await
                .map(|_| ())
                .map_err(backend("local storage")),
            Storage::S3(s) => s
                .client
                .head_bucket()
                .bucket(&s.bucket)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| StorageError::Backend(format!("head bucket: {}", display_sdk(&e)))),
        }
    }

    pub fn local(&self) -> Option<&LocalStore> {
        match self {
            Storage::Local(l) => Some(l),
            Storage::S3(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ListedObject {
    pub key: String,
    pub last_modified: Option<chrono::DateTime<chrono::Utc>>,
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 / 5987).
pub fn content_disposition(kind: &str, filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Hashes and counts a stream while enforcing the limit.
struct Meter {
    hasher: Sha256,
    size: u64,
    limit: u64,
}

impl Meter {
    fn new(limit: u64) -> Self {
        Self {
            hasher: Sha256::new(),
            size: 0,
            limit,
        }
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), StorageError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(StorageError::TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        Ok(())
    }

    fn finish(self) -> StoredObject {
        StoredObject {
            size: self.size,
            sha256: self.hasher.finalize().into(),
        }
    }
}

impl LocalStore {
    fn path(&self, key: &str) -> PathBuf {
        self.root.join("objects").join(key)
    }

    async fn put_stream<S>(
        &self,
        key: &str,
        mut body: S,
        limit: u64,
    ) -> Result<StoredObject, StorageError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin,
    {
        let tmp = self.root.join("tmp").join(uuid::Uuid::new_v4().to_string());
        let result = async {
            let mut file = tokio::fs::File::create(&tmp)
                .await
                .map_err(backend("create temp file"))?;
            let mut meter = Meter::new(limit);
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(StorageError::Source)?;
                meter.feed(&chunk)?;
                file.write_all(&chunk).await.map_err(backend("write"))?;
            }
            file.sync_all().await.map_err(backend("sync"))?;
            let dest = self.path(key);
            if let Some(parent) = dest.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(backend("create directory"))?;
            }
            tokio::fs::rename(&tmp, &dest)
                .await
                .map_err(backend("rename"))?;
            Ok(meter.finish())
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }

    async fn get(&self, key: &str) -> Result<ObjectBody, StorageError> {
        let file = match tokio::fs::File::open(self.path(key)).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StorageError::NotFound)
            }
            Err(e) => return Err(backend("open")(e)),
        };
        let size = file.metadata().await.ok().map(|m| m.len());
        Ok(ObjectBody {
            size,
            stream: Box::pin(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024)),
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(backend("delete")(e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ListedObject>, StorageError> {
        let base = self.root.join("objects");
        let mut out = Vec::new();
        let mut stack = vec![base.clone()];
        while let Some(dir) = stack.pop() {
            let mut entries = match tokio::fs::read_dir(&dir).await {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(backend("list")(e)),
            };
            while let Some(entry) = entries.next_entry().await.map_err(backend("list"))? {
                let meta = entry.metadata().await.map_err(backend("stat"))?;
                if meta.is_dir() {
                    stack.push(entry.path());
                    continue;
                }
                let key = relative_key(&base, &entry.path());
                if key.starts_with(prefix) {
                    out.push(ListedObject {
                        key,
                        last_modified: meta
                            .modified()
                            .ok()
                            .map(chrono::DateTime::<chrono::Utc>::from),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn signature(&self, key: &str, expires: i64, disposition: &str, content_type: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.expose())
            .expect("hmac takes any key length");
        for part in [key, &expires.to_string(), disposition, content_type] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    fn signed_path(
        &self,
        key: &str,
        disposition: &str,
        content_type: &str,
        ttl: Duration,
    ) -> String {
        let expires = chrono::Utc::now().timestamp() + ttl.as_secs() as i64;
        let sig = self.signature(key, expires, disposition, content_type);
        format!(
            "/files/{key}?expires={expires}&disposition={}&type={}&sig={sig}",
            urlencoding::encode(disposition),
            urlencoding::encode(content_type)
        )
    }

    /// Checks a `/files/…` request made by [`Storage::download_url`].
    pub fn verify(
        &self,
        key: &str,
        expires: i64,
        disposition: &str,
        content_type: &str,
        sig: &str,
    ) -> bool {
        if chrono::Utc::now().timestamp() > expires || check_key(key).is_err() {
            return false;
        }
        let expected = self.signature(key, expires, disposition, content_type);
        // Constant-time comparison of the hex strings.
        expected.len() == sig.len()
            && expected
                .bytes()
                .zip(sig.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

fn relative_key(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn display_sdk<E: std::error::Error>(e: &E) -> String {
    // The SDK's Display is terse ("service error"); the source chain says what happened.
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

impl S3Store {
    pub fn new(s: &S3Settings) -> Self {
        let creds = Credentials::new(
            &s.access_key,
            s.secret_key.expose(),
            None,
            None,
            "gatehouse-settings",
        );
        let (req, resp) = match s.checksum {
            ChecksumMode::WhenRequired => (
                RequestChecksumCalculation::WhenRequired,
                ResponseChecksumValidation::WhenRequired,
            ),
            ChecksumMode::WhenSupported => (
                RequestChecksumCalculation::WhenSupported,
                ResponseChecksumValidation::WhenSupported,
            ),
        };
        let mut b = aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(s.region.clone()))
            .credentials_provider(creds)
            .force_path_style(s.path_style)
            .request_checksum_calculation(req)
            .response_checksum_validation(resp);
        if let Some(ep) = &s.endpoint {
            b = b.endpoint_url(ep);
        }
        Self {
            client: aws_sdk_s3::Client::from_conf(b.build()),
            bucket: s.bucket.clone(),
        }
    }

    async fn put_stream<S>(
        &self,
        key: &str,
        content_type: &str,
        mut body: S,
        limit: u64,
    ) -> Result<StoredObject, StorageError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin,
    {
        let mut meter = Meter::new(limit);
        let mut buf = BytesMut::with_capacity(PART_SIZE);
        // Fill the first part; a small object is a single PUT, no multipart round trips.
        let mut eof = fill(&mut body, &mut buf, &mut meter).await?;
        if eof {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type(content_type)
                .body(ByteStream::from(buf.freeze()))
                .send()
                .await
                .map_err(|e| StorageError::Backend(format!("put object: {}", display_sdk(&e))))?;
            return Ok(meter.finish());
        }

        let upload = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| {
                StorageError::Backend(format!("create multipart upload: {}", display_sdk(&e)))
            })?;
        let upload_id = upload
            .upload_id()
            .ok_or_else(|| StorageError::Backend("no upload id".into()))?
            .to_string();

        let result = async {
            let mut parts = Vec::new();
            let mut number = 1;
            loop {
                let part = buf.split().freeze();
                let resp = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .part_number(number)
                    .body(ByteStream::from(part))
                    .send()
                    .await
                    .map_err(|e| {
                        StorageError::Backend(format!("upload part: {}", display_sdk(&e)))
                    })?;
                parts.push(
                    CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(resp.e_tag().map(str::to_string))
                        .build(),
                );
                number += 1;
                if eof {
                    break;
                }
                eof = fill(&mut body, &mut buf, &mut meter).await?;
                if eof && buf.is_empty() {
                    break;
                }
            }
            self.client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| {
                    StorageError::Backend(format!("complete multipart upload: {}", display_sdk(&e)))
                })?;
            Ok(())
        }
        .await;

        match result {
            Ok(()) => Ok(meter.finish()),
            Err(e) => {
                let _ = self
                    .client
                    .abort_multipart_upload()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .send()
                    .await;
                Err(e)
            }
        }
    }

    async fn get(&self, key: &str) -> Result<ObjectBody, StorageError> {
        let resp = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                    StorageError::NotFound
                } else {
                    StorageError::Backend(format!("get object: {}", display_sdk(&e)))
                }
            })?;
        let size = resp.content_length().and_then(|l| u64::try_from(l).ok());
        let reader = resp.body.into_async_read();
        Ok(ObjectBody {
            size,
            stream: Box::pin(tokio_util::io::ReaderStream::with_capacity(
                reader,
                64 * 1024,
            )),
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StorageError::Backend(format!("delete object: {}", display_sdk(&e))))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ListedObject>, StorageError> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|e| StorageError::Backend(format!("list objects: {}", display_sdk(&e))))?
        {
            for obj in page.contents() {
                if let Some(key) = obj.key() {
                    out.push(ListedObject {
                        key: key.to_string(),
                        last_modified: obj.last_modified().and_then(|t| {
                            chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
                        }),
                    });
                }
            }
        }
        Ok(out)
    }

    async fn presigned_get(
        &self,
        key: &str,
        disposition: &str,
        content_type: &str,
        ttl: Duration,
    ) -> Result<String, StorageError> {
        let cfg = PresigningConfig::expires_in(ttl).map_err(backend("presign config"))?;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(disposition)
            .response_content_type(content_type)
            .presigned(cfg)
            .await
            .map_err(|e| StorageError::Backend(format!("presign: {}", display_sdk(&e))))?;
        Ok(req.uri().to_string())
    }
}

/// Reads from `body` into `buf` until a part is full or the stream ends; returns true at the end.
async fn fill<S>(body: &mut S, buf: &mut BytesMut, meter: &mut Meter) -> Result<bool, StorageError>
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin,
{
    while buf.len() < PART_SIZE {
        match body.next().await {
            None => return Ok(true),
            Some(chunk) => {
                let chunk = chunk.map_err(StorageError::Source)?;
                meter.feed(&chunk)?;
                buf.extend_from_slice(&chunk);
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape() {
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "..",
            "a//b",
            "a/./b",
            "a b",
            "a\\b",
            "ключ",
        ] {
            assert!(check_key(bad).is_err(), "{bad:?} should be refused");
        }
        for good in ["documents/2f1c/abc.pdf", "a", "x_y-z.1"] {
            assert!(check_key(good).is_ok(), "{good:?} should be accepted");
        }
    }

    #[test]
    fn disposition_is_ascii_safe_with_utf8_name() {
        let d = content_disposition("attachment", "营业执照 \"x\".pdf");
        assert!(d.starts_with("attachment; filename=\""));
        assert!(!d[..d.find("filename*").unwrap()].contains('营'));
        assert!(d.contains("filename*=UTF-8''%E8%90%A5"));
        assert!(!d.contains("\"x\""));
    }
}
