//! Our protos must be wire-compatible with lnd v0.20.0-beta's. Every service, method,
//! message, field and enum value we declare is compared with lnd's own files, which the
//! npm package `@lightningpolar/lnd-api@0.20.0-beta` ships byte-identical (installed by
//! `cargo xtask setup`).

use std::path::{Path, PathBuf};

use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto, FileDescriptorSet, ServiceDescriptorProto};

const OURS: &[&str] = &[
    "lightning.proto",
    "walletunlocker.proto",
    "stateservice.proto",
    "walletrpc/walletkit.proto",
    "verrpc/verrpc.proto",
    "routerrpc/router.proto",
    "invoicesrpc/invoices.proto",
];

fn lnd_protos() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/@lightningpolar/lnd-api/protos");
    assert!(dir.join("lightning.proto").exists(), "lnd's protos are missing at {}; run `cargo xtask setup` (npm ci) first", dir.display());
    dir
}

fn compile(root: &Path, files: &[&str]) -> FileDescriptorSet {
    protox::compile(files, [root]).unwrap_or_else(|e| panic!("compiling {files:?}: {e}"))
}

fn file<'a>(set: &'a FileDescriptorSet, name: &str) -> &'a FileDescriptorProto {
    set.file.iter().find(|f| f.name() == name).unwrap_or_else(|| panic!("no file {name}"))
}

fn compare_message(path: &str, ours: &DescriptorProto, lnd: &DescriptorProto, errors: &mut Vec<String>) {
    for field in &ours.field {
        let at = format!("{path}.{}", field.name());
        let Some(theirs) = lnd.field.iter().find(|f| f.name() == field.name()) else {
            errors.push(format!("{at}: no such field in lnd"));
            continue;
        };
        let oneof = |m: &DescriptorProto, f: &prost_types::FieldDescriptorProto| f.oneof_index.map(|i| m.oneof_decl[i as usize].name().to_string());
        let pairs = [
            ("number", format!("{}", field.number()), format!("{}", theirs.number())),
            ("type", format!("{:?}", field.r#type()), format!("{:?}", theirs.r#type())),
            ("type name", field.type_name().to_string(), theirs.type_name().to_string()),
            ("label", format!("{:?}", field.label()), format!("{:?}", theirs.label())),
            ("proto3 optional", format!("{}", field.proto3_optional()), format!("{}", theirs.proto3_optional())),
            ("oneof", format!("{:?}", oneof(ours, field)), format!("{:?}", oneof(lnd, theirs))),
        ];
        for (what, a, b) in pairs {
            if a != b {
                errors.push(format!("{at}: {what} is {a}, lnd has {b}"));
            }
        }
    }
    for nested in &ours.nested_type {
        match lnd.nested_type.iter().find(|n| n.name() == nested.name()) {
            Some(theirs) => compare_message(&format!("{path}.{}", nested.name()), nested, theirs, errors),
            None => errors.push(format!("{path}.{}: no such nested message in lnd", nested.name())),
        }
    }
    for e in &ours.enum_type {
        match lnd.enum_type.iter().find(|n| n.name() == e.name()) {
            Some(theirs) => compare_enum(&format!("{path}.{}", e.name()), e, theirs, errors),
            None => errors.push(format!("{path}.{}: no such nested enum in lnd", e.name())),
        }
    }
}

fn compare_enum(path: &str, ours: &EnumDescriptorProto, lnd: &EnumDescriptorProto, errors: &mut Vec<String>) {
    for v in &ours.value {
        match lnd.value.iter().find(|t| t.name() == v.name()) {
            Some(t) if t.number() == v.number() => {}
            Some(t) => errors.push(format!("{path}.{}: {} but lnd has {}", v.name(), v.number(), t.number())),
            None => errors.push(format!("{path}.{}: no such value in lnd", v.name())),
        }
    }
}

fn compare_service(path: &str, ours: &ServiceDescriptorProto, lnd: &ServiceDescriptorProto, errors: &mut Vec<String>) {
    for m in &ours.method {
        let at = format!("{path}/{}", m.name());
        let Some(t) = lnd.method.iter().find(|t| t.name() == m.name()) else {
            errors.push(format!("{at}: no such method in lnd"));
            continue;
        };
        let ours_sig = (m.input_type(), m.output_type(), m.client_streaming(), m.server_streaming());
        let lnd_sig = (t.input_type(), t.output_type(), t.client_streaming(), t.server_streaming());
        if ours_sig != lnd_sig {
            errors.push(format!("{at}: signature {ours_sig:?}, lnd has {lnd_sig:?}"));
        }
    }
}

fn compare(ours_set: &FileDescriptorSet, lnd_set: &FileDescriptorSet) -> Vec<String> {
    let mut errors = Vec::new();
    for name in OURS {
        let (ours, lnd) = (file(ours_set, name), file(lnd_set, name));
        if ours.package() != lnd.package() {
            errors.push(format!("{name}: package {} but lnd has {}", ours.package(), lnd.package()));
        }
        for m in &ours.message_type {
            match lnd.message_type.iter().find(|t| t.name() == m.name()) {
                Some(t) => compare_message(m.name(), m, t, &mut errors),
                None => errors.push(format!("{name}: message {} is not in lnd's file", m.name())),
            }
        }
        for e in &ours.enum_type {
            match lnd.enum_type.iter().find(|t| t.name() == e.name()) {
                Some(t) => compare_enum(e.name(), e, t, &mut errors),
                None => errors.push(format!("{name}: enum {} is not in lnd's file", e.name())),
            }
        }
        for s in &ours.service {
            match lnd.service.iter().find(|t| t.name() == s.name()) {
                Some(t) => compare_service(s.name(), s, t, &mut errors),
                None => errors.push(format!("{name}: service {} is not in lnd's file", s.name())),
            }
        }
    }
    errors
}

fn sets() -> (FileDescriptorSet, FileDescriptorSet) {
    let ours = compile(&Path::new(env!("CARGO_MANIFEST_DIR")).join("lnrpc"), OURS);
    let lnd = compile(&lnd_protos(), OURS);
    (ours, lnd)
}

#[test]
fn our_protos_match_lnd_v0_20() {
    let (ours, lnd) = sets();
    let errors = compare(&ours, &lnd);
    assert!(errors.is_empty(), "differences from lnd v0.20.0-beta:\n{}", errors.join("\n"));
}

/// The comparison itself must notice a drift, or the test above proves nothing.
#[test]
fn a_changed_field_number_is_reported() {
    let (mut ours, lnd) = sets();
    let f = ours.file.iter_mut().find(|f| f.name() == "lightning.proto").unwrap();
    let info = f.message_type.iter_mut().find(|m| m.name() == "GetInfoResponse").unwrap();
    let alias = info.field.iter_mut().find(|x| x.name() == "alias").unwrap();
    alias.number = Some(99);
    let errors = compare(&ours, &lnd);
    assert_eq!(errors, vec!["GetInfoResponse.alias: number is 99, lnd has 2".to_string()]);
}
