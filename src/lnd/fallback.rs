//! The older calls the client falls back to when a node does not offer the newer ones (an
//! lnd without the router sub-server, an older lnd, or a proxy that forwards only part of
//! lnd), and how their answers are turned into the newer calls' messages, so pages see one
//! shape whichever call the node answered.
//!
//! A fallback is taken only when the node answered "unknown method/service" (or REST 404):
//! the newer call never reached lnd, so the older one cannot send anything twice.

use lnrpc::routerrpc as rrpc;

use super::pb;

/// SendPaymentV2's request as SendPaymentSync's. The sync call has no timeout or part
/// limits: lnd applies its defaults.
pub fn send_request(req: &rrpc::SendPaymentRequest) -> pb::SendRequest {
    let fee_limit = match (req.fee_limit_sat, req.fee_limit_msat) {
        (0, 0) => None,
        (sat, 0) => Some(pb::fee_limit::Limit::Fixed(sat)),
        (_, msat) => Some(pb::fee_limit::Limit::FixedMsat(msat)),
    };
    #[allow(deprecated)]
    pb::SendRequest {
        dest: req.dest.clone(),
        amt: req.amt,
        amt_msat: req.amt_msat,
        payment_hash: req.payment_hash.clone(),
        payment_request: req.payment_request.clone(),
        final_cltv_delta: req.final_cltv_delta,
        fee_limit: fee_limit.map(|limit| pb::FeeLimit { limit: Some(limit) }),
        outgoing_chan_id: req.outgoing_chan_ids.first().copied().unwrap_or(req.outgoing_chan_id),
        last_hop_pubkey: req.last_hop_pubkey.clone(),
        cltv_limit: req.cltv_limit.max(0) as u32,
        dest_custom_records: req.dest_custom_records.clone(),
        allow_self_payment: req.allow_self_payment,
        dest_features: req.dest_features.clone(),
        payment_addr: req.payment_addr.clone(),
        ..Default::default()
    }
}

/// lnd's `PaymentFailureReason.String()`, which SendPaymentSync puts in `payment_error`.
fn failure_reason(payment_error: &str) -> pb::PaymentFailureReason {
    use pb::PaymentFailureReason as R;
    match payment_error {
        "timeout" => R::FailureReasonTimeout,
        "no_route" => R::FailureReasonNoRoute,
        "incorrect_payment_details" => R::FailureReasonIncorrectPaymentDetails,
        "insufficient_balance" => R::FailureReasonInsufficientBalance,
        "canceled" => R::FailureReasonCanceled,
        _ => R::FailureReasonError,
    }
}

/// SendPaymentSync's answer as the final Payment SendPaymentV2 would have streamed.
#[allow(deprecated)]
pub fn payment_from_sync(req: &rrpc::SendPaymentRequest, resp: pb::SendResponse, now_ns: i64) -> pb::Payment {
    let hash = if resp.payment_hash.is_empty() { &req.payment_hash } else { &resp.payment_hash };
    let mut payment = pb::Payment {
        payment_hash: hex::encode(hash),
        payment_request: req.payment_request.clone(),
        creation_date: now_ns / 1_000_000_000,
        creation_time_ns: now_ns,
        ..Default::default()
    };
    match resp.payment_route {
        Some(route) if resp.payment_error.is_empty() && !resp.payment_preimage.is_empty() => {
            payment.status = pb::payment::PaymentStatus::Succeeded as i32;
            payment.payment_preimage = hex::encode(&resp.payment_preimage);
            payment.fee_sat = route.total_fees;
            payment.fee_msat = route.total_fees_msat;
            payment.fee = route.total_fees;
            payment.value_msat = route.total_amt_msat - route.total_fees_msat;
            payment.value_sat = payment.value_msat / 1000;
            payment.value = payment.value_sat;
            payment.htlcs = vec![pb::HtlcAttempt {
                status: pb::htlc_attempt::HtlcStatus::Succeeded as i32,
                route: Some(route),
                attempt_time_ns: now_ns,
                resolve_time_ns: now_ns,
                preimage: resp.payment_preimage,
                ..Default::default()
            }];
        }
        _ => {
            payment.status = pb::payment::PaymentStatus::Failed as i32;
            payment.failure_reason = failure_reason(&resp.payment_error) as i32;
            payment.value_sat = req.amt;
            payment.value_msat = req.amt_msat.max(req.amt * 1000);
        }
    }
    payment
}

/// SendToRouteSync's answer as the HTLC attempt SendToRouteV2 would have returned; the
/// sync call reports a failure only in words, so no failure code or hop comes with it.
pub fn attempt_from_sync(route: pb::Route, resp: pb::SendResponse, now_ns: i64) -> pb::HtlcAttempt {
    let paid = resp.payment_error.is_empty() && !resp.payment_preimage.is_empty();
    let status = if paid { pb::htlc_attempt::HtlcStatus::Succeeded } else { pb::htlc_attempt::HtlcStatus::Failed };
    pb::HtlcAttempt {
        status: status as i32,
        route: Some(resp.payment_route.unwrap_or(route)),
        attempt_time_ns: now_ns,
        resolve_time_ns: now_ns,
        preimage: resp.payment_preimage,
        ..Default::default()
    }
}

/// OpenChannelSync's channel point as the stream's first update (the funding is published).
pub fn pending_update(point: pb::ChannelPoint) -> pb::OpenStatusUpdate {
    pb::OpenStatusUpdate {
        update: Some(pb::open_status_update::Update::ChanPending(pb::PendingUpdate {
            txid: txid_bytes(&point),
            output_index: point.output_index,
            ..Default::default()
        })),
        pending_chan_id: vec![],
    }
}

/// The channel point a channel event is about, when it says the channel is now open.
pub fn opened_point(event: &pb::ChannelEventUpdate) -> Option<pb::ChannelPoint> {
    match &event.channel {
        Some(pb::channel_event_update::Channel::OpenChannel(c)) => Some(channel_point_of(&c.channel_point)?),
        _ => None,
    }
}

/// "txid:index" (display order) as a ChannelPoint.
fn channel_point_of(s: &str) -> Option<pb::ChannelPoint> {
    let (txid, index) = s.split_once(':')?;
    let mut bytes = hex::decode(txid).ok()?;
    bytes.reverse();
    Some(pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidBytes(bytes)), output_index: index.parse().ok()? })
}

/// Whether two channel points name the same output, whichever way each spells the txid.
pub fn same_point(a: &pb::ChannelPoint, b: &pb::ChannelPoint) -> bool {
    a.output_index == b.output_index && txid_bytes(a) == txid_bytes(b)
}

/// The funding txid in the transaction's byte order (the string form is in display order).
fn txid_bytes(point: &pb::ChannelPoint) -> Vec<u8> {
    match &point.funding_txid {
        Some(pb::channel_point::FundingTxid::FundingTxidBytes(b)) => b.clone(),
        Some(pb::channel_point::FundingTxid::FundingTxidStr(s)) => {
            let mut b = hex::decode(s).unwrap_or_default();
            b.reverse();
            b
        }
        None => vec![],
    }
}

#[cfg(test)]
#[allow(deprecated)]
mod tests {
    use super::*;

    const TXID: &str = "0101010101010101010101010101010101010101010101010101010101010102";

    #[test]
    fn a_payment_request_keeps_its_limits_on_the_sync_call() {
        let req = rrpc::SendPaymentRequest {
            payment_request: "lnbcrt1".into(),
            fee_limit_sat: 21,
            outgoing_chan_ids: vec![7],
            last_hop_pubkey: vec![2; 33],
            allow_self_payment: true,
            dest_custom_records: [(5482373484, vec![1; 32])].into_iter().collect(),
            ..Default::default()
        };
        let sync = send_request(&req);
        assert_eq!(sync.payment_request, "lnbcrt1");
        assert_eq!(sync.fee_limit, Some(pb::FeeLimit { limit: Some(pb::fee_limit::Limit::Fixed(21)) }));
        assert_eq!((sync.outgoing_chan_id, sync.last_hop_pubkey.len(), sync.allow_self_payment), (7, 33, true));
        assert_eq!(sync.dest_custom_records[&5482373484], vec![1; 32]);
        assert_eq!(send_request(&rrpc::SendPaymentRequest::default()).fee_limit, None, "no limit stays no limit");
    }

    #[test]
    fn a_paid_sync_answer_reads_as_a_succeeded_payment() {
        let route = pb::Route { total_fees: 1, total_fees_msat: 1_001, total_amt: 1_001, total_amt_msat: 1_001_001, ..Default::default() };
        let resp = pb::SendResponse { payment_preimage: vec![9; 32], payment_hash: vec![8; 32], payment_route: Some(route), payment_error: String::new() };
        let p = payment_from_sync(&Default::default(), resp, 5_000_000_000);
        assert_eq!(p.status, pb::payment::PaymentStatus::Succeeded as i32);
        assert_eq!((p.value_sat, p.fee_msat, p.creation_date), (1_000, 1_001, 5));
        assert_eq!((p.payment_hash, p.payment_preimage), (hex::encode([8; 32]), hex::encode([9; 32])));
        assert_eq!(p.htlcs.len(), 1);
    }

    #[test]
    fn a_failed_sync_answer_keeps_lnds_reason() {
        let req = rrpc::SendPaymentRequest { payment_hash: vec![3; 32], amt: 50, ..Default::default() };
        for (words, reason) in [
            ("no_route", pb::PaymentFailureReason::FailureReasonNoRoute),
            ("insufficient_balance", pb::PaymentFailureReason::FailureReasonInsufficientBalance),
            ("incorrect_payment_details", pb::PaymentFailureReason::FailureReasonIncorrectPaymentDetails),
            ("something new", pb::PaymentFailureReason::FailureReasonError),
        ] {
            let resp = pb::SendResponse { payment_error: words.into(), ..Default::default() };
            let p = payment_from_sync(&req, resp, 0);
            assert_eq!((p.status, p.failure_reason), (pb::payment::PaymentStatus::Failed as i32, reason as i32), "{words}");
            assert_eq!((p.payment_hash.as_str(), p.value_sat), (hex::encode([3; 32]).as_str(), 50));
        }
    }

    #[test]
    fn a_route_attempt_fails_without_a_preimage() {
        let failed = attempt_from_sync(pb::Route::default(), pb::SendResponse { payment_error: "no_route".into(), ..Default::default() }, 0);
        assert_eq!(failed.status, pb::htlc_attempt::HtlcStatus::Failed as i32);
        let paid = attempt_from_sync(pb::Route::default(), pb::SendResponse { payment_preimage: vec![1; 32], ..Default::default() }, 0);
        assert_eq!(paid.status, pb::htlc_attempt::HtlcStatus::Succeeded as i32);
    }

    #[test]
    fn the_sync_channel_point_matches_the_open_event() {
        let mut bytes = hex::decode(TXID).unwrap();
        bytes.reverse();
        let from_sync = pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidBytes(bytes.clone())), output_index: 1 };
        let Some(pb::open_status_update::Update::ChanPending(p)) = pending_update(from_sync.clone()).update else { panic!("pending") };
        assert_eq!((p.txid, p.output_index), (bytes, 1));
        let event = pb::ChannelEventUpdate {
            channel: Some(pb::channel_event_update::Channel::OpenChannel(pb::Channel { channel_point: format!("{TXID}:1"), ..Default::default() })),
            r#type: pb::channel_event_update::UpdateType::OpenChannel as i32,
        };
        let opened = opened_point(&event).unwrap();
        assert!(same_point(&opened, &from_sync));
        let other = pb::ChannelPoint { output_index: 0, ..from_sync };
        assert!(!same_point(&opened, &other), "another output of the same transaction");
    }
}
