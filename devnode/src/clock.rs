//! The runtime's one wall clock: the world takes the time as an argument, and everything
//! that hands it the time reads it here.

fn since_epoch() -> std::time::Duration {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
}

/// Unix seconds.
pub fn now() -> i64 {
    since_epoch().as_secs() as i64
}

pub fn now_ms() -> i64 {
    since_epoch().as_millis() as i64
}

pub fn now_ns() -> i64 {
    since_epoch().as_nanos() as i64
}
