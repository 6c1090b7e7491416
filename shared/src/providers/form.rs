//! Form bodies as e-mail and SMS providers post them: `application/x-www-form-urlencoded`
//! (Twilio, Mailgun without attachments) and `multipart/form-data` (Mailgun with attachments,
//! SendGrid Inbound Parse). The multipart reader is small on purpose: the maintained
//! multipart crates are async (multer) or pull a server framework, and a webhook body is
//! already whole in memory.

use super::{invalid, Invalid};

#[derive(Debug, Default)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub files: Vec<FormFile>,
}

#[derive(Debug)]
pub struct FormFile {
    pub field: String,
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn file(&self, field: &str) -> Option<&FormFile> {
        self.files.iter().find(|f| f.field == field)
    }
}

/// Reads a form body by its content type.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Form, Invalid> {
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => Ok(Form {
            fields: form_urlencoded::parse(body).into_owned().collect(),
            files: Vec::new(),
        }),
        "multipart/form-data" => {
            let boundary = parameter(content_type, "boundary")
                .ok_or_else(|| invalid("content-type", "multipart without a boundary"))?;
            multipart(&boundary, body)
        }
        _ => Err(invalid(
            "content-type",
            "expected application/x-www-form-urlencoded or multipart/form-data",
        )),
    }
}

/// A `name=value` parameter of a header value (`form-data; name="x"; filename="y"`).
fn parameter(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn multipart(boundary: &str, body: &[u8]) -> Result<Form, Invalid> {
    let broken = || invalid("body", "the multipart body is malformed");
    let delimiter = format!("--{boundary}").into_bytes();
    let next_delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or_else(broken)? + delimiter.len();
    let mut form = Form::default();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Ok(form);
        }
        at = find(body, b"\r\n", at).ok_or_else(broken)? + 2;
        let headers_end = find(body, b"\r\n\r\n", at).ok_or_else(broken)?;
        let headers = String::from_utf8_lossy(&body[at..headers_end]).into_owned();
        let content_start = headers_end + 4;
        let content_end = find(body, &next_delimiter, content_start).ok_or_else(broken)?;
        let content = &body[content_start..content_end];
        let header = |name: &str| {
            headers.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
            })
        };
        let disposition = header("content-disposition").ok_or_else(broken)?;
        let field = parameter(disposition, "name").ok_or_else(broken)?;
        match parameter(disposition, "filename") {
            Some(filename) => form.files.push(FormFile {
                field,
                filename,
                content_type: header("content-type")
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
                data: content.to_vec(),
            }),
            None => form
                .fields
                .push((field, String::from_utf8_lossy(content).into_owned())),
        }
        at = content_end + next_delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn multipart_fields_and_files_are_read() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\nAna <ana@x.com>\r\n--XyZ\r\nContent-Disposition: form-data; name=\"attachment1\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--XyZ--\r\n";
        let form = super::parse("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(form.get("from"), Some("Ana <ana@x.com>"));
        let file = form.file("attachment1").unwrap();
        assert_eq!(
            (file.filename.as_str(), file.data.as_slice()),
            ("a.pdf", &b"%PDF"[..])
        );
        assert!(super::parse("multipart/form-data; boundary=XyZ", b"--XyZ\r\nbroken").is_err());
    }
}
