//! Document kinds, which ones an application needs, and file types decided by their bytes.

use serde::{Deserialize, Serialize};

use super::application::{ApplicationData, Section};
use super::industry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    BusinessLicence,
    IdFront,
    IdBack,
    /// Passport / permit pages when the legal person has no resident ID.
    IdPages,
    BankProof,
    Articles,
    /// One per beneficial owner (the document's subject is the owner's id).
    OwnerId,
    IndustryPermit,
    StorePhoto,
    IcpScreenshot,
    AuthorisationLetter,
}

impl DocKind {
    pub const ALL: [DocKind; 11] = [
        DocKind::BusinessLicence,
        DocKind::IdFront,
        DocKind::IdBack,
        DocKind::IdPages,
        DocKind::BankProof,
        DocKind::Articles,
        DocKind::OwnerId,
        DocKind::IndustryPermit,
        DocKind::StorePhoto,
        DocKind::IcpScreenshot,
        DocKind::AuthorisationLetter,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            DocKind::BusinessLicence => "business_licence",
            DocKind::IdFront => "id_front",
            DocKind::IdBack => "id_back",
            DocKind::IdPages => "id_pages",
            DocKind::BankProof => "bank_proof",
            DocKind::Articles => "articles",
            DocKind::OwnerId => "owner_id",
            DocKind::IndustryPermit => "industry_permit",
            DocKind::StorePhoto => "store_photo",
            DocKind::IcpScreenshot => "icp_screenshot",
            DocKind::AuthorisationLetter => "authorisation_letter",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.slug() == s)
    }

    /// Kinds where several files make sense (photos, multi-page documents).
    pub fn multiple(self) -> bool {
        matches!(
            self,
            DocKind::StorePhoto
                | DocKind::IdPages
                | DocKind::Articles
                | DocKind::IndustryPermit
                | DocKind::OwnerId
        )
    }

    /// The section whose data the document proves (for linking ledger items).
    pub fn section(self) -> Section {
        match self {
            DocKind::BusinessLicence | DocKind::Articles | DocKind::IndustryPermit => {
                Section::Entity
            }
            DocKind::IdFront | DocKind::IdBack | DocKind::IdPages => Section::LegalPerson,
            DocKind::OwnerId => Section::Owners,
            DocKind::BankProof => Section::Settlement,
            DocKind::AuthorisationLetter => Section::Contact,
            DocKind::StorePhoto | DocKind::IcpScreenshot => Section::Scenes,
        }
    }
}

/// A document the application needs: its kind, its subject (an owner id) and how many files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocNeed {
    pub kind: DocKind,
    pub subject: Option<String>,
    pub min: usize,
}

fn need(kind: DocKind, min: usize) -> DocNeed {
    DocNeed {
        kind,
        subject: None,
        min,
    }
}

/// What the application's data makes necessary (DOMAIN.md, "Documents").
pub fn required_documents(app: &ApplicationData) -> Vec<DocNeed> {
    let mut out = vec![need(DocKind::BusinessLicence, 1)];
    match app.get(Section::LegalPerson, "lp_id_type") {
        Some("resident_id") | None => {
            out.push(need(DocKind::IdFront, 1));
            out.push(need(DocKind::IdBack, 1));
        }
        Some(_) => out.push(need(DocKind::IdPages, 1)),
    }
    out.push(need(DocKind::BankProof, 1));
    if app.subject_type() == Some("enterprise") {
        out.push(need(DocKind::Articles, 1));
    }
    for id in app.owner_ids() {
        out.push(DocNeed {
            kind: DocKind::OwnerId,
            subject: Some(id),
            min: 1,
        });
    }
    if app
        .get(Section::Entity, "industry")
        .and_then(industry::industry)
        .is_some_and(|i| i.needs_permit)
    {
        out.push(need(DocKind::IndustryPermit, 1));
    }
    let scenes = app.scenes();
    if scenes.contains(&"offline") {
        // Storefront and interior.
        out.push(need(DocKind::StorePhoto, 2));
    }
    if scenes.contains(&"website") {
        out.push(need(DocKind::IcpScreenshot, 1));
    }
    if app.holds(super::application::Rule::ContactNotLegalPerson)
        && app.sections.contains_key(&Section::Contact)
    {
        out.push(need(DocKind::AuthorisationLetter, 1));
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileType {
    Jpeg,
    Png,
    Pdf,
}

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
            FileType::Pdf => "pdf",
        }
    }

    pub fn is_image(self) -> bool {
        !matches!(self, FileType::Pdf)
    }
}

/// Bytes needed to decide the type.
pub const SNIFF_LEN: usize = 8;

/// The file type from its first bytes (magic numbers), never from its name or declared type.
pub fn sniff(head: &[u8]) -> Option<FileType> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(FileType::Png)
    } else if head.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else {
        None
    }
}

/// Megabytes (MiB) for messages, with at most one decimal: 10485760 → "10".
pub fn format_mb(bytes: u64) -> String {
    let tenths = (bytes * 10).div_ceil(1024 * 1024);
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// The original file name reduced to something safe to store and show: no directories, no
/// control characters, at most 120 characters.
pub fn sanitise_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(120)
        .collect();
    if cleaned.is_empty() {
        "document".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn types_come_from_bytes_only() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\x00\x10JFIF"), Some(FileType::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileType::Png));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(FileType::Pdf));
        assert_eq!(sniff(b"MZ\x90\x00"), None, "a Windows executable");
        assert_eq!(sniff(b"\x7fELF"), None);
        assert_eq!(sniff(b"<!DOCTYPE html>"), None);
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn filenames_are_sanitised() {
        assert_eq!(sanitise_filename("../../etc/passwd"), "passwd");
        assert_eq!(
            sanitise_filename("C:\\Users\\x\\营业执照.pdf"),
            "营业执照.pdf"
        );
        assert_eq!(sanitise_filename("..hidden"), "hidden");
        assert_eq!(sanitise_filename("a\u{0}b\nc<>.png"), "abc.png");
        assert_eq!(sanitise_filename("///"), "document");
        assert_eq!(sanitise_filename(&"长".repeat(300)).chars().count(), 120);
    }

    fn app(pairs: &[(Section, &str, &str)]) -> ApplicationData {
        let mut a = ApplicationData::default();
        for (s, k, v) in pairs {
            a.sections
                .entry(*s)
                .or_insert_with(BTreeMap::new)
                .insert(k.to_string(), v.to_string());
        }
        a
    }

    #[test]
    fn documents_follow_the_data() {
        let kinds = |a: &ApplicationData| {
            required_documents(a)
                .into_iter()
                .map(|n| (n.kind, n.min))
                .collect::<Vec<_>>()
        };
        let base = app(&[
            (Section::Entity, "subject_type", "individual_business"),
            (Section::Contact, "contact_is_legal_person", "yes"),
        ]);
        assert_eq!(
            kinds(&base),
            vec![
                (DocKind::BusinessLicence, 1),
                (DocKind::IdFront, 1),
                (DocKind::IdBack, 1),
                (DocKind::BankProof, 1)
            ]
        );

        let company = app(&[
            (Section::Entity, "subject_type", "enterprise"),
            (Section::Entity, "industry", "catering"),
            (Section::LegalPerson, "lp_id_type", "passport"),
            (Section::Scenes, "scenes", "offline,website"),
            (Section::Contact, "contact_name", "someone else"),
            (Section::Owners, "owner.x1.name", "王五"),
        ]);
        let needs = required_documents(&company);
        for k in [
            DocKind::Articles,
            DocKind::IdPages,
            DocKind::IndustryPermit,
            DocKind::IcpScreenshot,
            DocKind::AuthorisationLetter,
        ] {
            assert!(needs.iter().any(|n| n.kind == k), "{k:?}");
        }
        assert!(needs
            .iter()
            .any(|n| n.kind == DocKind::StorePhoto && n.min == 2));
        assert!(needs
            .iter()
            .any(|n| n.kind == DocKind::OwnerId && n.subject.as_deref() == Some("x1")));
        assert!(!needs.iter().any(|n| n.kind == DocKind::IdFront));
    }
}
