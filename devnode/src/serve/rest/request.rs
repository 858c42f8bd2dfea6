//! The request message of a REST call, built as grpc-gateway's runtime builds it from one
//! of lnd's rules: the body (`body: "*"`), else the query string; then the path's
//! parameters over both. Fields are read by their type in lnd's descriptors.

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage, Value};
use tonic::Status;

/// One piece of a rule's path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    /// `{channel_point.output_index}`: a field path, split at the dots.
    Field(Vec<String>),
}

/// Reads a rule's path template, e.g. `/v1/invoice/{r_hash_str}`.
pub fn template(path: &str) -> Vec<Segment> {
    path.trim_start_matches('/')
        .split('/')
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(field) => Segment::Field(field.split('.').map(str::to_string).collect()),
            None => Segment::Literal(s.to_string()),
        })
        .collect()
}

/// The message from the query string (unknown parameters are ignored, as grpc-gateway
/// ignores them, and so are those naming a field the path binds).
pub fn from_query(desc: MessageDescriptor, query: Option<&str>, bound: &[Segment]) -> Result<DynamicMessage, Status> {
    let mut message = DynamicMessage::new(desc);
    for (key, value) in form_urlencoded(query.unwrap_or("")) {
        // `AddrToAmount[addr]=5`: an entry of a map field.
        let (name, map_key) = match key.split_once('[') {
            Some((n, rest)) => (n, Some(rest.trim_end_matches(']'))),
            None => (key.as_str(), None),
        };
        let path: Vec<&str> = name.split('.').collect();
        let is_bound = bound.iter().any(|s| matches!(s, Segment::Field(f) if f.iter().zip(&path).all(|(a, b)| a == b)));
        if is_bound {
            continue;
        }
        set(&mut message, &path, &value, map_key).map_err(|why| mismatch(&key, &why))?;
    }
    Ok(message)
}

/// Sets the fields the path binds from the path's segments (already unescaped).
pub fn bind_path(message: &mut DynamicMessage, template: &[Segment], segments: &[String]) -> Result<(), Status> {
    for (t, value) in template.iter().zip(segments) {
        if let Segment::Field(path) = t {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            set(message, &path, value, None).map_err(|why| mismatch(&path.join("."), &why))?;
        }
    }
    Ok(())
}

fn mismatch(parameter: &str, why: &str) -> Status {
    Status::invalid_argument(format!("type mismatch, parameter: {parameter}, error: {why}"))
}

/// Sets the field at `path` (proto or JSON names) from its text; a list gains an element,
/// a map an entry. A path naming no field is ignored.
fn set(message: &mut DynamicMessage, path: &[&str], text: &str, map_key: Option<&str>) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else { return Ok(()) };
    let mut target = message;
    for name in parents {
        let Some(field) = field(&target.descriptor(), name) else { return Ok(()) };
        if field.is_list() || field.is_map() || !matches!(field.kind(), Kind::Message(_)) {
            return Ok(());
        }
        let Value::Message(inner) = target.get_field_mut(&field) else { return Ok(()) };
        target = inner;
    }
    let Some(field) = field(&target.descriptor(), last) else { return Ok(()) };
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else { return Ok(()) };
        let key = parse(&entry.map_entry_key_field().kind(), map_key.unwrap_or(""))?;
        let value = parse(&entry.map_entry_value_field().kind(), text)?;
        let key = match key {
            Value::String(s) => MapKey::String(s),
            Value::I64(n) => MapKey::I64(n),
            Value::U64(n) => MapKey::U64(n),
            Value::I32(n) => MapKey::I32(n),
            Value::U32(n) => MapKey::U32(n),
            Value::Bool(b) => MapKey::Bool(b),
            _ => return Ok(()),
        };
        if let Value::Map(entries) = target.get_field_mut(&field) {
            entries.insert(key, value);
        }
        return Ok(());
    }
    let value = parse(&field.kind(), text)?;
    if field.is_list() {
        if let Value::List(items) = target.get_field_mut(&field) {
            items.push(value);
        }
    } else {
        target.set_field(&field, value);
    }
    Ok(())
}

fn field(desc: &MessageDescriptor, name: &str) -> Option<FieldDescriptor> {
    desc.get_field_by_name(name).or_else(|| desc.get_field_by_json_name(name))
}

/// A field's value from text, with Go's wording for what does not parse (grpc-gateway
/// parses with strconv and encoding/base64).
fn parse(kind: &Kind, text: &str) -> Result<Value, String> {
    let q = format!("{text:?}");
    let int = |f: &str, e: std::num::ParseIntError| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => "value out of range",
            _ => "invalid syntax",
        };
        format!("strconv.{f}: parsing {q}: {why}")
    };
    Ok(match kind {
        Kind::String => Value::String(text.to_string()),
        Kind::Bool => match text {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Value::Bool(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Value::Bool(false),
            _ => return Err(format!("strconv.ParseBool: parsing {q}: invalid syntax")),
        },
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(text.parse().map_err(|e| int("ParseInt", e))?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(text.parse().map_err(|e| int("ParseInt", e))?),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(text.parse().map_err(|e| int("ParseUint", e))?),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(text.parse().map_err(|e| int("ParseUint", e))?),
        Kind::Double => Value::F64(text.parse().map_err(|_| format!("strconv.ParseFloat: parsing {q}: invalid syntax"))?),
        Kind::Float => Value::F32(text.parse().map_err(|_| format!("strconv.ParseFloat: parsing {q}: invalid syntax"))?),
        Kind::Bytes => Value::Bytes(gateway_bytes(text).ok_or("illegal base64 data at input byte 0")?.into()),
        Kind::Enum(e) => match e.get_value_by_name(text) {
            Some(v) => Value::EnumNumber(v.number()),
            None => Value::EnumNumber(text.parse().map_err(|_| format!("{q} is not a valid value"))?),
        },
        Kind::Message(m) => return Err(format!("unsupported message type: {q}", q = m.full_name())),
    })
}

/// grpc-gateway's `runtime.Bytes`: standard base64, then URL-safe, both padded.
fn gateway_bytes(v: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    STANDARD.decode(v).or_else(|_| URL_SAFE.decode(v)).ok()
}

/// Go's `url.ParseQuery`.
pub fn form_urlencoded(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k, true), unescape(v, true))
        })
        .collect()
}

/// Go's unescaping: `%XX` is a byte, and in a query `+` is a space.
pub fn unescape(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < b.len() => match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                Ok(v) => {
                    out.push(v);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::rest::json::POOL;
    use lnrpc::lnrpc as pb;

    fn desc(name: &str) -> MessageDescriptor {
        POOL.get_message_by_name(name).unwrap()
    }

    #[test]
    fn gateway_bytes_accepts_padded_std_and_url_base64_only() {
        assert_eq!(gateway_bytes("+/8="), Some(vec![0xfb, 0xff]));
        assert_eq!(gateway_bytes("-_8="), Some(vec![0xfb, 0xff]));
        assert_eq!(gateway_bytes("-_8"), None, "grpc-gateway requires padding");
    }

    #[test]
    fn query_unescaping_follows_go() {
        assert_eq!(
            form_urlencoded("a=x+y&b=%2B%2F&c&d=%zz&e=%2"),
            vec![("a".into(), "x y".into()), ("b".into(), "+/".into()), ("c".into(), "".into()), ("d".into(), "%zz".into()), ("e".into(), "%2".into())]
        );
        assert_eq!(unescape("a+b%2Fc", false), "a+b/c");
    }

    #[test]
    fn query_parameters_are_read_by_their_field_type() {
        let q = "type=NESTED_PUBKEY_HASH&account=x&amp;=1";
        let m = from_query(desc("lnrpc.NewAddressRequest"), Some(q), &[]).unwrap().transcode_to::<pb::NewAddressRequest>().unwrap();
        assert_eq!((m.r#type, m.account.as_str()), (pb::AddressType::NestedPubkeyHash as i32, "x"));
        let q = "AddrToAmount[bcrt1q]=5&AddrToAmount[bcrt1p]=6&targetConf=3&spend_unconfirmed=true&coin_selection_strategy=1";
        let m = from_query(desc("lnrpc.EstimateFeeRequest"), Some(q), &[]).unwrap().transcode_to::<pb::EstimateFeeRequest>().unwrap();
        assert_eq!((m.addr_to_amount.len(), m.addr_to_amount["bcrt1p"], m.target_conf, m.spend_unconfirmed, m.coin_selection_strategy), (2, 6, 3, true, 1));
        let q = "fee_limit.fixed=10&outgoing_chan_ids=1&outgoing_chan_ids=2&last_hop_pubkey=-_8%3D&pub_key=ignored";
        let bound = template("/v1/graph/routes/{pub_key}/{amt}");
        let m = from_query(desc("lnrpc.QueryRoutesRequest"), Some(q), &bound).unwrap().transcode_to::<pb::QueryRoutesRequest>().unwrap();
        assert_eq!(m.fee_limit, Some(pb::FeeLimit { limit: Some(pb::fee_limit::Limit::Fixed(10)) }));
        assert_eq!((m.outgoing_chan_ids, m.last_hop_pubkey, m.pub_key.as_str()), (vec![1, 2], vec![0xfb, 0xff], ""));
    }

    #[test]
    fn what_does_not_parse_is_refused_in_gos_words() {
        let refused = |name: &str, q: &str| from_query(desc(name), Some(q), &[]).unwrap_err().message().to_string();
        assert_eq!(
            refused("lnrpc.ListInvoiceRequest", "num_max_invoices=x"),
            "type mismatch, parameter: num_max_invoices, error: strconv.ParseUint: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            refused("lnrpc.ListInvoiceRequest", "pending_only=yes"),
            "type mismatch, parameter: pending_only, error: strconv.ParseBool: parsing \"yes\": invalid syntax"
        );
        assert_eq!(refused("lnrpc.NewAddressRequest", "type=NOPE"), "type mismatch, parameter: type, error: \"NOPE\" is not a valid value");
        let mut m = DynamicMessage::new(desc("lnrpc.ChanInfoRequest"));
        let e = bind_path(&mut m, &template("/v1/graph/edge/{chan_id}"), &["".into(), "".into(), "".into(), "18446744073709551616".into()]).unwrap_err();
        assert_eq!(e.message(), "type mismatch, parameter: chan_id, error: strconv.ParseUint: parsing \"18446744073709551616\": value out of range");
    }

    #[test]
    fn the_path_binds_nested_fields_and_oneof_members() {
        let t = template("/v1/channels/{channel_point.funding_txid_str}/{channel_point.output_index}");
        let mut m = from_query(desc("lnrpc.CloseChannelRequest"), Some("force=true&channel_point.output_index=9"), &t).unwrap();
        bind_path(&mut m, &t, &["v1".into(), "channels".into(), "ab".into(), "1".into()]).unwrap();
        let m = m.transcode_to::<pb::CloseChannelRequest>().unwrap();
        let point = m.channel_point.unwrap();
        assert_eq!((m.force, point.output_index, point.funding_txid), (true, 1, Some(pb::channel_point::FundingTxid::FundingTxidStr("ab".into()))));
    }
}
