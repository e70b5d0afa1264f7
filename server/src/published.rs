//! The published material: the key set and the signed status lists, each with a strong ETag
//! (the SHA-256 of the body). The status lists are rebuilt from the store every refresh
//! interval, off the async threads, and served from memory in between.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use gradreg::{KeyRing, Registry};
use sha2::{Digest, Sha256};

/// One published document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The body.
    pub body: Arc<str>,
    /// The strong entity tag, quoted.
    pub etag: String,
}

impl Document {
    /// A document with its ETag.
    pub fn new(body: String) -> Document {
        let etag = format!("\"{}\"", hex::encode(Sha256::digest(body.as_bytes())));
        Document {
            body: body.into(),
            etag,
        }
    }
}

/// The status lists as last built.
#[derive(Debug, Clone, Default)]
pub struct StatusDocuments {
    /// Per list id, the signed text (`GS1.…`).
    pub lists: Vec<(u32, Document)>,
    /// All lists, one per line (what the offline page loads in one fetch).
    pub all: Option<Document>,
    /// The index (JSON): list ids, their URLs, issue and next-update times.
    pub index: Option<Document>,
}

/// What the service publishes.
#[derive(Debug)]
pub struct Published {
    /// The key set (JSON).
    pub key_set: Document,
    status: RwLock<Arc<StatusDocuments>>,
}

impl Published {
    /// Publishes `key_set_json`; the status lists come with [`refresh`](Self::refresh).
    pub fn new(key_set_json: String) -> Published {
        Published {
            key_set: Document::new(key_set_json),
            status: RwLock::new(Arc::new(StatusDocuments::default())),
        }
    }

    /// The status lists as last built.
    pub fn status(&self) -> Arc<StatusDocuments> {
        self.status
            .read()
            .map(|s| Arc::clone(&s))
            .unwrap_or_default()
    }

    /// Rebuilds the status lists from `registry` as of `now`, valid for `valid_for` (blocking:
    /// call it off the async threads).
    pub fn refresh(
        &self,
        registry: &Registry,
        ring: &KeyRing,
        now: DateTime<Utc>,
        valid_for: Duration,
    ) -> gradreg::Result<()> {
        let next = now + valid_for;
        let lists = registry.status_lists(ring, now, next)?;
        let mut all = String::new();
        let mut index = Vec::new();
        let mut docs = Vec::new();
        for l in &lists {
            all.push_str(&l.text);
            all.push('\n');
            index.push(serde_json::json!({
                "list": l.list,
                "url": format!("/.well-known/gradreg/status/{}.txt", l.list),
            }));
            docs.push((l.list, Document::new(l.text.clone())));
        }
        let index = serde_json::json!({
            "format": "gradreg-status-index",
            "issued_at": now,
            "next_update": next,
            "all": "/.well-known/gradreg/status/all.txt",
            "lists": index,
        });
        let built = StatusDocuments {
            lists: docs,
            all: Some(Document::new(all)),
            index: Some(Document::new(index.to_string())),
        };
        if let Ok(mut s) = self.status.write() {
            *s = Arc::new(built);
        }
        Ok(())
    }
}
