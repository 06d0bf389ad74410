//! CloudWatch Logs JSON: subscription envelopes, exports and `aws logs` output, to records.

use std::io::Read;

use base64::Engine as _;

use super::limits::ReadLimits;
use super::parse::RecordParser;
use super::text::handle_text_line;
use crate::model::skip::SkipReason;

pub(crate) fn json_too_large(limits: &ReadLimits) -> String {
    format!(
        "JSON document larger than {} bytes (setting max_json_bytes)",
        limits.max_json_bytes
    )
}

/// Parses a stream of JSON values (`}{`-concatenated, newline-separated or one document). On a
/// syntax error the rest is read as text lines from the start of the offending line.
pub(crate) fn json_stream(data: &[u8], parser: &mut RecordParser, depth: u32, first_line: u64) {
    let mut stream =
        serde_json::Deserializer::from_slice(data).into_iter::<&serde_json::value::RawValue>();
    // Lines before `counted` (counted once: counting from the start for every value made a
    // file of many values quadratic, 1M records in 1,000 payloads took 4.5 s).
    let (mut counted, mut lines) = (0, 0);
    loop {
        let before = stream.byte_offset();
        match stream.next() {
            None => return,
            Some(Ok(v)) => {
                // The value's line is where its text starts (the raw value is a slice of
                // `data`), after the blank and newline that end the value before it.
                let start = (v.get().as_ptr() as usize).checked_sub(data.as_ptr() as usize);
                let upto = start.unwrap_or(before).min(data.len());
                lines += line_count(data.get(counted..upto).unwrap_or_default());
                counted = counted.max(upto);
                let line = first_line + lines;
                if !subscription_payload(v.get(), parser, line) {
                    match serde_json::from_str::<serde_json::Value>(v.get()) {
                        Ok(v) => json_value(&v, parser, line, depth),
                        Err(e) => parser.skip(
                            line,
                            SkipReason::BadJson(format!("invalid JSON: {e}")),
                            v.get().as_bytes(),
                        ),
                    }
                }
            }
            Some(Err(_)) => {
                let at = stream.byte_offset().min(data.len());
                let line_start = memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1);
                let line_start = line_start.max(before.min(data.len()));
                let first = first_line + line_count(&data[..line_start]);
                for (line_no, line) in (first..).zip(data[line_start..].split(|b| *b == b'\n')) {
                    handle_text_line(parser, line, line_no);
                }
                return;
            }
        }
    }
}

fn line_count(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64
}

/// A CloudWatch Logs subscription payload (`DATA_MESSAGE`), the common shape, read without
/// building a JSON tree: only the events' messages are kept, borrowed from the text.
#[derive(serde::Deserialize)]
struct Payload<'a> {
    #[serde(rename = "messageType", borrow, default)]
    message_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "logEvents", borrow)]
    log_events: Vec<Event<'a>>,
    #[serde(default)]
    awslogs: Option<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
struct Event<'a> {
    #[serde(borrow, default)]
    message: Option<std::borrow::Cow<'a, str>>,
}

/// Reads `text` as a subscription payload whose every event has a `message`, as
/// [`json_value`] would; `false`, having done nothing, for any other value (which
/// [`json_value`] then reads, with its messages for what is wrong).
fn subscription_payload(text: &str, parser: &mut RecordParser, line_no: u64) -> bool {
    let Ok(p) = serde_json::from_str::<Payload<'_>>(text) else {
        return false;
    };
    if p.awslogs.is_some()
        || p.message_type.as_deref() == Some("CONTROL_MESSAGE")
        || p.log_events.iter().any(|e| e.message.is_none())
    {
        return false;
    }
    for (i, msg) in p
        .log_events
        .iter()
        .filter_map(|e| e.message.as_deref())
        .enumerate()
    {
        parser.message(msg.as_bytes(), line_no + i as u64);
    }
    true
}

/// Handles one JSON value: a CloudWatch Logs payload, a Lambda envelope, a `{"message": …}`
/// object or an array of those.
pub(crate) fn json_value(
    v: &serde_json::Value,
    parser: &mut RecordParser,
    line_no: u64,
    depth: u32,
) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if let Some(data) = map
                .get("awslogs")
                .and_then(|a| a.get("data"))
                .and_then(Value::as_str)
            {
                match decode_envelope(data) {
                    Ok(bytes) if depth < 4 => json_stream(&bytes, parser, depth + 1, line_no),
                    Ok(_) => parser.skip(
                        line_no,
                        SkipReason::BadJson("envelopes nested too deeply".into()),
                        b"",
                    ),
                    Err(e) => parser.skip(
                        line_no,
                        SkipReason::BadJson(format!("awslogs.data: {e}")),
                        data.as_bytes(),
                    ),
                }
            } else if map.get("messageType").and_then(Value::as_str) == Some("CONTROL_MESSAGE") {
                // Health check sent when a subscription destination is attached: not a record.
            } else if let Some(events) = map.get("logEvents").and_then(Value::as_array) {
                for (i, ev) in events.iter().enumerate() {
                    match ev.get("message").and_then(Value::as_str) {
                        Some(msg) => parser.message(msg.as_bytes(), line_no + i as u64),
                        None => parser.skip(
                            line_no,
                            SkipReason::BadJson("log event without a `message`".into()),
                            ev.to_string().as_bytes(),
                        ),
                    }
                }
            } else if let Some(msg) = map.get("message").and_then(Value::as_str) {
                parser.message(msg.as_bytes(), line_no);
            } else {
                parser.skip(
                    line_no,
                    SkipReason::BadJson(
                        "JSON object without `message`, `logEvents` or `awslogs.data`".into(),
                    ),
                    v.to_string().as_bytes(),
                );
            }
        }
        Value::Array(items) => {
            for item in items {
                json_value(item, parser, line_no, depth);
            }
        }
        other => parser.skip(
            line_no,
            SkipReason::BadJson("JSON value is not an object".into()),
            other.to_string().as_bytes(),
        ),
    }
}

/// base64 → gzip → bytes (the Lambda `awslogs.data` field).
fn decode_envelope(data: &str) -> Result<Vec<u8>, String> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("not base64: {e}"))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .take(ReadLimits::default().max_json_bytes)
            .read_to_end(&mut out)
            .map_err(|e| format!("not gzip: {e}"))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}
