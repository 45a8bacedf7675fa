//! What an upload may be: PDF, JPEG or PNG, recognised by its content (not its name), and
//! no larger than the configured limit.

use crate::error::RuleCode;

/// The accepted kinds, by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
        }
    }
}

/// Recognises a file by its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(FileKind::Png)
    } else {
        None
    }
}

/// Why an upload was refused; each is a message code (`validation-<code>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadError {
    Empty,
    TooLarge,
    /// The content is not a PDF, JPEG or PNG.
    Type,
    /// The name says one type and the content another.
    NameMismatch,
}

impl UploadError {
    pub fn code(self) -> RuleCode {
        match self {
            UploadError::Empty => RuleCode::FileEmpty,
            UploadError::TooLarge => RuleCode::FileTooLarge,
            UploadError::Type => RuleCode::FileType,
            UploadError::NameMismatch => RuleCode::FileNameMismatch,
        }
    }
}

/// Checks an upload: its size, its content, and that its name does not claim another type.
pub fn check(file_name: &str, bytes: &[u8], max_bytes: usize) -> Result<FileKind, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(UploadError::TooLarge);
    }
    let kind = sniff(bytes).ok_or(UploadError::Type)?;
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext {
        Some(e) if !kind.extensions().contains(&e.as_str()) => Err(UploadError::NameMismatch),
        _ => Ok(kind),
    }
}

/// The bidirectional controls (embeddings, overrides, isolates, marks): in a file name they
/// show `invoice<U+202E>fdp.exe` as `invoiceexe.pdf`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A file name safe to show and to send back in a header: no paths, no control characters,
/// no bidirectional controls.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && !is_bidi_control(*c))
        .take(120)
        .collect();
    if cleaned.trim().is_empty() {
        "file".to_string()
    } else {
        cleaned.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_type_not_the_name() {
        assert_eq!(
            check("licence.pdf", b"%PDF-1.7 ...", 100),
            Ok(FileKind::Pdf)
        );
        assert_eq!(
            check("photo.JPG", &[0xFF, 0xD8, 0xFF, 0xE0, 0], 100),
            Ok(FileKind::Jpeg)
        );
        assert_eq!(
            check("scan.png", b"\x89PNG\r\n\x1a\n....", 100),
            Ok(FileKind::Png)
        );
        assert_eq!(
            check("licence.pdf", b"MZ\x90\x00 an exe", 100),
            Err(UploadError::Type)
        );
        assert_eq!(
            check("licence.png", b"%PDF-1.4", 100),
            Err(UploadError::NameMismatch)
        );
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        assert_eq!(check("a.pdf", b"", 100), Err(UploadError::Empty));
        assert_eq!(
            check("a.pdf", &[b'%'; 101], 100),
            Err(UploadError::TooLarge)
        );
        assert_eq!(check("a.pdf", b"%PDF-", 5), Ok(FileKind::Pdf));
    }

    #[test]
    fn names_lose_their_paths() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\scans\\营业执照.pdf"), "营业执照.pdf");
        assert_eq!(clean_name("\u{0}"), "file");
    }

    #[test]
    fn names_lose_their_bidirectional_controls() {
        assert_eq!(clean_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(
            clean_name(
                "\u{2066}a\u{2067}b\u{2068}c\u{2069}\u{200E}\u{200F}\u{61C}\u{202A}\u{202B}\u{202C}\u{202D}.pdf"
            ),
            "abc.pdf"
        );
        assert_eq!(clean_name("\u{202E}"), "file");
    }
}
