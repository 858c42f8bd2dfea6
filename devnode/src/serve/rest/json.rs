//! lnd's JSON mapping, read off lnd's descriptors: protojson with `UseProtoNames` and
//! `EmitUnpopulated` (every scalar, list and map written, 64-bit integers as strings, enums
//! by name, bytes as base64, unset message fields as `null` but unset oneof members left
//! out), and its strict reading of request bodies (unknown fields refused).

use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, Kind, MessageDescriptor, ReflectMessage, SerializeOptions};
use serde_json::Value;
use tonic::Status;

/// lnd's protos, as the REST proxy knows them.
pub static POOL: LazyLock<DescriptorPool> = LazyLock::new(|| DescriptorPool::decode(lnrpc::FILE_DESCRIPTOR_SET).expect("lnd's descriptors"));

/// A message as lnd's REST proxy writes it.
pub fn write(message: &DynamicMessage) -> Vec<u8> {
    let options = SerializeOptions::new().use_proto_field_name(true).skip_default_fields(false);
    let mut v = message.serialize_with_options(serde_json::value::Serializer, &options).unwrap_or_default();
    fill_unset_messages(&mut v, &message.descriptor());
    serde_json::to_vec(&v).unwrap_or_default()
}

/// `body: "*"`: the whole message is the JSON body; an empty body is an empty message;
/// unknown fields are refused as lnd's protojson refuses them.
pub fn read(desc: MessageDescriptor, bytes: &[u8]) -> Result<DynamicMessage, Status> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(DynamicMessage::new(desc));
    }
    let syntax = |e: serde_json::Error| Status::invalid_argument(format!("proto: syntax error: {e}"));
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let message = DynamicMessage::deserialize_with_options(desc, &mut de, &DeserializeOptions::new()).map_err(syntax)?;
    de.end().map_err(syntax)?;
    Ok(message)
}

/// Writes `null` where protojson's EmitUnpopulated writes it and the serializer leaves the
/// field out: an unset message field outside a oneof, in lists and map values too.
fn fill_unset_messages(v: &mut Value, message: &MessageDescriptor) {
    let Value::Object(obj) = v else { return };
    for field in message.fields() {
        let Kind::Message(inner) = field.kind() else { continue };
        let name = field.name();
        if field.is_map() {
            if let (Kind::Message(values), Some(Value::Object(entries))) = (inner.map_entry_value_field().kind(), obj.get_mut(name)) {
                entries.values_mut().for_each(|e| fill_unset_messages(e, &values));
            }
        } else if field.is_list() {
            if let Some(Value::Array(items)) = obj.get_mut(name) {
                items.iter_mut().for_each(|i| fill_unset_messages(i, &inner));
            }
        } else {
            match obj.get_mut(name) {
                Some(present) => fill_unset_messages(present, &inner),
                None if field.containing_oneof().is_none() => {
                    obj.insert(name.to_string(), Value::Null);
                }
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lnrpc::lnrpc as pb;
    use prost::Message;

    fn as_lnd_writes<M: Message>(full_name: &str, m: &M) -> Value {
        let desc = POOL.get_message_by_name(full_name).unwrap();
        serde_json::from_slice(&write(&DynamicMessage::decode(desc, m.encode_to_vec().as_slice()).unwrap())).unwrap()
    }

    #[test]
    fn unset_messages_are_null_as_lnd_writes_them() {
        let attempt = as_lnd_writes("lnrpc.HTLCAttempt", &pb::HtlcAttempt::default());
        assert_eq!((&attempt["route"], &attempt["failure"]), (&Value::Null, &Value::Null));
        assert!(attempt.as_object().unwrap().contains_key("failure"));
        let payment = as_lnd_writes("lnrpc.Payment", &pb::Payment { htlcs: vec![pb::HtlcAttempt::default()], ..Default::default() });
        assert!(payment["htlcs"][0].as_object().unwrap().contains_key("failure"), "inside lists too");
        let point = as_lnd_writes("lnrpc.ChannelPoint", &pb::ChannelPoint::default());
        assert!(!point.as_object().unwrap().keys().any(|k| k.starts_with("funding_txid")), "unset oneof members stay out: {point}");
        let event = as_lnd_writes("lnrpc.ChannelEventUpdate", &pb::ChannelEventUpdate::default());
        assert_eq!(event.as_object().unwrap().len(), 1, "only `type`: {event}");
    }

    /// The same JSON as the pbjson mapping the app reads (lnrpc's, with lnd's options), for
    /// a message with every kind of field set.
    #[test]
    #[allow(deprecated)] // lnd still writes GetInfo's deprecated `chain`
    fn writes_what_lnds_pbjson_mapping_writes() {
        let info = pb::GetInfoResponse {
            identity_pubkey: "02ab".into(),
            block_height: 7,
            synced_to_chain: true,
            chains: vec![pb::Chain { chain: "bitcoin".into(), network: "regtest".into() }],
            features: [(8, pb::Feature { name: "tlv-onion".into(), is_required: true, is_known: true })].into(),
            ..Default::default()
        };
        let payment = pb::Payment { payment_hash: "aa".into(), value_msat: 1_000, status: pb::payment::PaymentStatus::Succeeded as i32, ..Default::default() };
        let invoice = pb::Invoice { r_hash: vec![0xfb, 0xff], value: i64::MAX, ..Default::default() };
        let pbjson = |v: serde_json::Value| {
            let mut v = v;
            fill_unset_messages(&mut v, &POOL.get_message_by_name("lnrpc.Payment").unwrap());
            v
        };
        assert_eq!(as_lnd_writes("lnrpc.GetInfoResponse", &info), serde_json::to_value(&info).unwrap());
        assert_eq!(as_lnd_writes("lnrpc.Payment", &payment), pbjson(serde_json::to_value(&payment).unwrap()));
        let invoice_json = as_lnd_writes("lnrpc.Invoice", &invoice);
        assert_eq!((&invoice_json["r_hash"], &invoice_json["value"]), (&Value::from("+/8="), &Value::from(i64::MAX.to_string())));
    }

    #[test]
    fn bodies_are_read_strictly() {
        let desc = || POOL.get_message_by_name("lnrpc.Invoice").unwrap();
        assert_eq!(read(desc(), b" \n").unwrap(), DynamicMessage::new(desc()));
        let m = read(desc(), br#"{"value":"5","memo":"m","r_hash":"-_8="}"#).unwrap();
        let invoice = m.transcode_to::<pb::Invoice>().unwrap();
        assert_eq!((invoice.value, invoice.memo.as_str(), invoice.r_hash), (5, "m", vec![0xfb, 0xff]));
        for bad in [&br#"{"nope":1}"#[..], br#"{"value":"x"}"#, b"{} {}", b"[1]"] {
            let e = read(desc(), bad).unwrap_err();
            assert!(e.message().starts_with("proto: syntax error: "), "{}: {}", String::from_utf8_lossy(bad), e.message());
        }
    }
}
