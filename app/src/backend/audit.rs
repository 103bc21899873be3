//! The tamper-evident audit log. Each row's hash is SHA-256 over the previous row's hash and
//! the row's canonical content, so changing or removing any row breaks every later link.

use chrono::{DateTime, SubsecRound, Utc};
use futures::TryStreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::db::audit::{self as db, AuditRow};

/// Who did it: a signed-in user, or the system (worker, CLI, demo seed).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub label: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system(label: &str) -> Self {
        Self {
            id: None,
            label: label.to_string(),
            ip: None,
        }
    }
}

/// One thing that happened. `details` must not contain secrets; it may contain no floats
/// either (their text form is not stable across a JSONB round trip).
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub details: Value,
}

const GENESIS: [u8; 32] = [0; 32];

/// Appends within the caller's transaction; the row exists only if that transaction commits.
pub async fn append(
    conn: &mut PgConnection,
    actor: &Actor,
    event: Event<'_>,
) -> Result<i64, sqlx::Error> {
    let head = db::lock_head(conn).await?;
    let (seq, prev_hash) = match head {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_vec()),
    };
    let mut row = AuditRow {
        seq,
        // Postgres keeps microseconds; hash exactly what will be read back.
        at: Utc::now().trunc_subsecs(6),
        actor_id: actor.id,
        actor: actor.label.clone(),
        action: event.action.to_string(),
        object_type: event.object_type.to_string(),
        object_id: event.object_id,
        details: event.details,
        ip: actor.ip.clone(),
        prev_hash,
        hash: Vec::new(),
    };
    row.hash = row_hash(&row).to_vec();
    db::insert(conn, &row).await?;
    Ok(seq)
}

/// SHA-256(prev_hash ‖ canonical JSON of the row's content).
pub fn row_hash(row: &AuditRow) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&row.prev_hash);
    h.update(canonical(row).as_bytes());
    h.finalize().into()
}

fn canonical(row: &AuditRow) -> String {
    // serde_json's maps are sorted by key, so the same content always prints the same way.
    Value::Array(vec![
        Value::from(row.seq),
        Value::from(format_time(row.at)),
        row.actor_id
            .map(|u| Value::from(u.to_string()))
            .unwrap_or(Value::Null),
        Value::from(row.actor.as_str()),
        Value::from(row.action.as_str()),
        Value::from(row.object_type.as_str()),
        Value::from(row.object_id.as_str()),
        row.details.clone(),
        row.ip.as_deref().map(Value::from).unwrap_or(Value::Null),
    ])
    .to_string()
}

fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact {
        rows: i64,
    },
    /// The first row whose link does not hold, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// Walks the whole chain in order.
pub async fn verify(db: &PgPool) -> Result<Verification, sqlx::Error> {
    let mut rows = db::stream_all(db);
    let mut expected_prev = GENESIS.to_vec();
    let mut expected_seq = 1;
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        if row.seq != expected_seq {
            return Ok(Verification::Broken {
                seq: row.seq,
                reason: format!("expected row {expected_seq} next (a row is missing)"),
            });
        }
        if row.prev_hash != expected_prev {
            return Ok(Verification::Broken {
                seq: row.seq,
                reason: "previous-hash link does not match the row before".into(),
            });
        }
        if row.hash != row_hash(&row) {
            return Ok(Verification::Broken {
                seq: row.seq,
                reason: "content does not match its hash (the row was altered)".into(),
            });
        }
        expected_prev = row.hash;
        expected_seq += 1;
        count += 1;
    }
    Ok(Verification::Intact { rows: count })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> AuditRow {
        AuditRow {
            seq: 1,
            at: DateTime::from_timestamp(1_700_000_000, 123_456_000).unwrap(),
            actor_id: None,
            actor: "system".into(),
            action: "test".into(),
            object_type: "thing".into(),
            object_id: "1".into(),
            details: serde_json::json!({"b": 1, "a": "x"}),
            ip: None,
            prev_hash: GENESIS.to_vec(),
            hash: vec![],
        }
    }

    #[test]
    fn canonical_form_is_stable_and_sorted() {
        let c = canonical(&row());
        assert_eq!(
            c,
            r#"[1,"2023-11-14T22:13:20.123456Z",null,"system","test","thing","1",{"a":"x","b":1},null]"#
        );
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = row_hash(&row());
        let mut r = row();
        r.details = serde_json::json!({"b": 2, "a": "x"});
        assert_ne!(row_hash(&r), base);
        let mut r = row();
        r.prev_hash = vec![1; 32];
        assert_ne!(row_hash(&r), base);
        let mut r = row();
        r.actor = "mallory".into();
        assert_ne!(row_hash(&r), base);
    }
}
