use std::{env, path::PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "lightning.proto",
    "walletunlocker.proto",
    "stateservice.proto",
    "walletrpc/walletkit.proto",
    "verrpc/verrpc.proto",
    "routerrpc/router.proto",
    "invoicesrpc/invoices.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=lnrpc");
    let out = PathBuf::from(env::var("OUT_DIR")?);
    let fds = protox::compile(PROTOS, ["lnrpc"])?;
    std::fs::write(out.join("lnrpc.fds"), fds.encode_to_vec())?;

    // Clients and servers are generated once; each side opts in with a feature so the
    // browser build never pulls in tonic's server half.
    tonic_prost_build::configure()
        .build_transport(false)
        .client_mod_attribute(".", "#[cfg(feature = \"client\")]")
        .server_mod_attribute(".", "#[cfg(feature = \"server\")]")
        .compile_fds(fds.clone())?;

    // lnd's REST proxy marshals with EmitUnpopulated + UseProtoNames and rejects unknown
    // fields; pbjson is configured to match. A client must instead accept what newer lnd
    // versions add (GetInfo gained `wallet_synced` after v0.20.0), so the `client-json`
    // feature makes decoding lenient. The app enables it only for its wasm build, so the
    // host build (devnode) stays strict.
    let mut json = pbjson_build::Builder::new();
    json.register_descriptors(&fds.encode_to_vec())?.out_dir(&out).emit_fields().preserve_proto_field_names();
    if env::var_os("CARGO_FEATURE_CLIENT_JSON").is_some() {
        json.ignore_unknown_fields().ignore_unknown_enum_variants();
    }
    json.build(&[".lnrpc", ".walletrpc", ".verrpc", ".routerrpc", ".invoicesrpc"])?;
    Ok(())
}
