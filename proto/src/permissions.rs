//! lnd v0.20's macaroon permissions per method (`rpcserver.go` MainRPCServerPermissions and
//! each sub-server's `macPermissions`), for the methods Lightdeck calls and devnode serves:
//! devnode checks a caller's macaroon against them, and the app tells from them what a
//! macaroon lets a page do. The State and WalletUnlocker services need none (lnd does not
//! check a macaroon before the wallet is unlocked).

use crate::macaroon::Permission;

pub const REQUIRED: &[(&str, &[Permission])] = &[
    ("/lnrpc.State/GetState", &[]),
    ("/lnrpc.State/SubscribeState", &[]),
    ("/lnrpc.WalletUnlocker/GenSeed", &[]),
    ("/lnrpc.WalletUnlocker/InitWallet", &[]),
    ("/lnrpc.WalletUnlocker/UnlockWallet", &[]),
    ("/lnrpc.WalletUnlocker/ChangePassword", &[]),
    ("/lnrpc.Lightning/GetInfo", &[("info", "read")]),
    ("/lnrpc.Lightning/NewAddress", &[("address", "write")]),
    ("/lnrpc.Lightning/WalletBalance", &[("onchain", "read")]),
    ("/lnrpc.Lightning/SendCoins", &[("onchain", "write")]),
    ("/lnrpc.Lightning/ListUnspent", &[("onchain", "read")]),
    ("/lnrpc.Lightning/GetTransactions", &[("onchain", "read")]),
    ("/lnrpc.Lightning/SubscribeTransactions", &[("onchain", "read")]),
    ("/lnrpc.Lightning/EstimateFee", &[("onchain", "read")]),
    ("/lnrpc.Lightning/ConnectPeer", &[("peers", "write")]),
    ("/lnrpc.Lightning/DisconnectPeer", &[("peers", "write")]),
    ("/lnrpc.Lightning/ListPeers", &[("peers", "read")]),
    ("/lnrpc.Lightning/SubscribePeerEvents", &[("peers", "read")]),
    ("/lnrpc.Lightning/OpenChannel", &[("onchain", "write"), ("offchain", "write")]),
    ("/lnrpc.Lightning/OpenChannelSync", &[("onchain", "write"), ("offchain", "write")]),
    ("/lnrpc.Lightning/CloseChannel", &[("onchain", "write"), ("offchain", "write")]),
    ("/lnrpc.Lightning/ListChannels", &[("offchain", "read")]),
    ("/lnrpc.Lightning/PendingChannels", &[("offchain", "read")]),
    ("/lnrpc.Lightning/ClosedChannels", &[("offchain", "read")]),
    ("/lnrpc.Lightning/ChannelBalance", &[("offchain", "read")]),
    ("/lnrpc.Lightning/SubscribeChannelEvents", &[("offchain", "read")]),
    ("/lnrpc.Lightning/AddInvoice", &[("invoices", "write")]),
    ("/lnrpc.Lightning/LookupInvoice", &[("invoices", "read")]),
    ("/lnrpc.Lightning/ListInvoices", &[("invoices", "read")]),
    ("/lnrpc.Lightning/SubscribeInvoices", &[("invoices", "read")]),
    ("/lnrpc.Lightning/DecodePayReq", &[("offchain", "read")]),
    ("/lnrpc.Lightning/ListPayments", &[("offchain", "read")]),
    ("/lnrpc.Lightning/SendPaymentSync", &[("offchain", "write")]),
    ("/lnrpc.Lightning/SendToRouteSync", &[("offchain", "write")]),
    ("/lnrpc.Lightning/QueryRoutes", &[("info", "read")]),
    ("/routerrpc.Router/SendPaymentV2", &[("offchain", "write")]),
    ("/routerrpc.Router/TrackPaymentV2", &[("offchain", "read")]),
    ("/routerrpc.Router/SendToRouteV2", &[("offchain", "write")]),
    ("/routerrpc.Router/SubscribeHtlcEvents", &[("offchain", "read")]),
    ("/routerrpc.Router/BuildRoute", &[("offchain", "read")]),
    ("/invoicesrpc.Invoices/AddHoldInvoice", &[("invoices", "write")]),
    ("/invoicesrpc.Invoices/SettleInvoice", &[("invoices", "write")]),
    ("/invoicesrpc.Invoices/CancelInvoice", &[("invoices", "write")]),
    ("/invoicesrpc.Invoices/SubscribeSingleInvoice", &[("invoices", "read")]),
    ("/invoicesrpc.Invoices/LookupInvoiceV2", &[("invoices", "write")]),
    ("/lnrpc.Lightning/ExportChannelBackup", &[("offchain", "read")]),
    ("/lnrpc.Lightning/ExportAllChannelBackups", &[("offchain", "read")]),
    ("/lnrpc.Lightning/VerifyChanBackup", &[("offchain", "read")]),
    ("/lnrpc.Lightning/RestoreChannelBackups", &[("offchain", "write")]),
    ("/lnrpc.Lightning/SubscribeChannelBackups", &[("offchain", "read")]),
    ("/lnrpc.Lightning/DescribeGraph", &[("info", "read")]),
    ("/lnrpc.Lightning/GetChanInfo", &[("info", "read")]),
    ("/lnrpc.Lightning/GetNetworkInfo", &[("info", "read")]),
    ("/lnrpc.Lightning/SubscribeChannelGraph", &[("info", "read")]),
    ("/lnrpc.Lightning/UpdateChannelPolicy", &[("offchain", "write")]),
    ("/lnrpc.Lightning/FeeReport", &[("offchain", "read")]),
    ("/lnrpc.Lightning/ForwardingHistory", &[("offchain", "read")]),
    ("/lnrpc.Lightning/ListMacaroonIDs", &[("macaroon", "read")]),
    ("/lnrpc.Lightning/ListPermissions", &[("info", "read")]),
    ("/lnrpc.Lightning/CheckMacaroonPermissions", &[("macaroon", "read")]),
    ("/lnrpc.Lightning/DeleteMacaroonID", &[("macaroon", "write")]),
    ("/lnrpc.Lightning/GetNodeInfo", &[("info", "read")]),
    ("/lnrpc.Lightning/SignMessage", &[("message", "write")]),
    ("/lnrpc.Lightning/VerifyMessage", &[("message", "read")]),
    ("/lnrpc.Lightning/BakeMacaroon", &[("macaroon", "generate")]),
    ("/verrpc.Versioner/GetVersion", &[("info", "read")]),
    ("/walletrpc.WalletKit/ListAccounts", &[("onchain", "read")]),
];

/// What `full_method` (`/package.Service/Method`) needs; none for a method not listed.
pub fn required(full_method: &str) -> Option<&'static [Permission]> {
    REQUIRED.iter().find(|(m, _)| *m == full_method).map(|(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_is_listed_once_with_known_entities_and_actions() {
        for (i, (method, perms)) in REQUIRED.iter().enumerate() {
            assert!(REQUIRED[..i].iter().all(|(m, _)| m != method), "{method} listed twice");
            assert!(method.starts_with('/') && method.matches('/').count() == 2, "{method}");
            for (entity, action) in *perms {
                assert!(["read", "write", "generate"].contains(action), "{method}: {entity}:{action}");
            }
            let unlocked = method.starts_with("/lnrpc.State/") || method.starts_with("/lnrpc.WalletUnlocker/");
            assert_eq!(perms.is_empty(), unlocked, "{method}: only the services before an unlock need nothing");
        }
        assert_eq!(required("/lnrpc.Lightning/OpenChannel"), Some(&[("onchain", "write"), ("offchain", "write")][..]));
        assert_eq!(required("/lnrpc.Lightning/NoSuchMethod"), None);
    }
}
