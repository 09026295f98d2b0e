//! Attachment bytes on disk: `{data_dir}/attachments/{tenant}/{aa}/{sha256}`. A file is written to a
//! temporary name while it is hashed, then renamed into place, so a reader never sees half a file and
//! the same content is kept once per tenant. Its type is detected from its first bytes.

use std::{
    io,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};
use tokio::{fs, io::AsyncWriteExt};
use uuid::Uuid;

use crate::domain::TenantId;

/// How many leading bytes the type detection looks at.
const SNIFF_LEN: usize = 8192;

#[derive(Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// A file written to the store but not yet recorded in PostgreSQL.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub file_name: String,
}

/// Receives one file's bytes in order; `finish` puts it in place.
pub struct FileWriter {
    temp: PathBuf,
    final_dir: PathBuf,
    file: fs::File,
    hasher: Sha256,
    head: Vec<u8>,
    size: u64,
    limit: u64,
    file_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl FileStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("attachments"),
        }
    }

    /// Starts writing a file of at most `limit` bytes for `tenant`.
    pub async fn writer(
        &self,
        tenant: TenantId,
        file_name: &str,
        limit: u64,
    ) -> io::Result<FileWriter> {
        let temp_dir = self.root.join("tmp");
        fs::create_dir_all(&temp_dir).await?;
        let temp = temp_dir.join(Uuid::new_v4().to_string());
        let file = fs::File::create(&temp).await?;
        Ok(FileWriter {
            temp,
            final_dir: self.root.join(tenant.to_string()),
            file,
            hasher: Sha256::new(),
            head: Vec::with_capacity(SNIFF_LEN),
            size: 0,
            limit,
            file_name: clean_file_name(file_name),
        })
    }

    /// Where a tenant's file with this hash lives.
    pub fn path(&self, tenant: TenantId, sha256: &str) -> PathBuf {
        self.root
            .join(tenant.to_string())
            .join(&sha256[..2])
            .join(sha256)
    }

    /// Stored files last written more than `age` ago, and leftover temporary files as old (their
    /// writer's process died). Walks the disk: for the retention job only.
    pub async fn older_than(&self, age: std::time::Duration) -> io::Result<OldFiles> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || walk_older_than(&root, age))
            .await
            .map_err(io::Error::other)?
    }
}

/// Stored files as `(tenant, sha256)`, and temporary files by path.
pub type OldFiles = (Vec<(TenantId, String)>, Vec<PathBuf>);

fn walk_older_than(root: &Path, age: std::time::Duration) -> io::Result<OldFiles> {
    let old = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|e| e > age)
    };
    let entries = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    };
    let (mut stored, mut temporary) = (vec![], vec![]);
    for dir in entries(root) {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name == "tmp" {
            temporary.extend(entries(&dir).into_iter().filter(|f| old(f)));
            continue;
        }
        let Ok(tenant) = name.parse::<TenantId>() else {
            continue;
        };
        for file in entries(&dir).iter().flat_map(|prefix| entries(prefix)) {
            let sha = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) && old(&file) {
                stored.push((tenant, sha.to_string()));
            }
        }
    }
    Ok((stored, temporary))
}

impl FileWriter {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), WriteError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(WriteError::TooLarge(self.limit));
        }
        if self.head.len() < SNIFF_LEN {
            let take = (SNIFF_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// Moves the file under its hash (keeping an identical one already there) and describes it.
    pub async fn finish(mut self) -> io::Result<StoredFile> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        let sha256 = hex::encode(self.hasher.finalize_reset());
        let dir = self.final_dir.join(&sha256[..2]);
        fs::create_dir_all(&dir).await?;
        // Renamed even over an identical file: the bytes are the same, and the file is fresh.
        fs::rename(&self.temp, dir.join(&sha256)).await?;
        Ok(StoredFile {
            content_type: detect_type(&self.head).to_string(),
            sha256,
            size: self.size,
            file_name: std::mem::take(&mut self.file_name),
        })
    }
}

impl Drop for FileWriter {
    /// A writer dropped before `finish` (an error, a client gone, a timeout) leaves no temp file;
    /// after `finish` the temp file is already gone.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// The type the bytes say they are: known signatures first, then text, else opaque bytes.
pub fn detect_type(head: &[u8]) -> &'static str {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type();
    }
    if head.is_empty() {
        return "application/octet-stream";
    }
    // A multi-byte character cut at the end of the sniffed window is still text.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() >= SNIFF_LEN,
    };
    if text && !head.contains(&0) {
        "text/plain"
    } else {
        "application/octet-stream"
    }
}

/// The client's file name without any directory part or control characters, at most 255 bytes.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_string();
    while cleaned.len() > 255 {
        cleaned.pop();
    }
    if cleaned.is_empty() {
        "attachment".to_string()
    } else {
        cleaned
    }
}

/// `Content-Disposition` that always downloads, with an ASCII fallback and the UTF-8 name.
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(file_name.len() * 3);
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(detect_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(detect_type(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(detect_type("héllo, world".as_bytes()), "text/plain");
        assert_eq!(
            detect_type(b"MZ\x90\0\x03\0\0\0"),
            "application/vnd.microsoft.portable-executable"
        );
        assert_eq!(
            detect_type(b"\0\x01\x02garbage"),
            "application/octet-stream"
        );
    }

    #[test]
    fn file_names_lose_paths_and_controls() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(clean_file_name("a\r\nb.txt"), "ab.txt");
        assert_eq!(clean_file_name(".."), "attachment");
        assert_eq!(clean_file_name(""), "attachment");
    }

    #[test]
    fn disposition_is_quoted_safely() {
        assert_eq!(
            content_disposition("a \"b\".txt"),
            "attachment; filename=\"a _b_.txt\"; filename*=UTF-8''a%20%22b%22.txt"
        );
        assert_eq!(
            content_disposition("résumé.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        );
    }
}
