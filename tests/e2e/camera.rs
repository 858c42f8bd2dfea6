//! The camera view on a phone with more than one camera: the user can switch to another
//! (the default rear lens may be one that cannot focus close), the one left is let go, and
//! the choice is the camera opened next time. Chromium's fake cameras have no light, so the
//! light button is not offered.

use std::time::{Duration, Instant};

use crate::harness::{Harness, Via};
use devnode::plan::Plan;

/// The camera the view shows ("fake_device_0") and whether it runs ("live").
const SHOWING: &str = "const v = document.querySelector('#scanner video'); \
    const t = v && v.srcObject && v.srcObject.getVideoTracks()[0]; return t ? t.label + ' ' + t.readyState : ''";

/// Waits until the view shows a running camera that `ok` accepts; returns its label.
async fn live_camera(h: &Harness, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let seen = h.run_js(SHOWING).await;
        if let Some(label) = seen.strip_suffix(" live").filter(|l| ok(l)) {
            return label.to_string();
        }
        assert!(Instant::now() < deadline, "no camera as expected is showing (saw {seen:?})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn cameras_can_be_switched(via: Via) {
    let h = Harness::start_with_cameras(via, 2).await;
    h.ready(0, Plan::default()).await;
    h.click("a.scan-link").await;
    h.wait_text("#scanner", "Point the camera at a QR code").await;
    let first = live_camera(&h, |_| true).await;
    h.run_js("window.__left = document.querySelector('#scanner video').srcObject.getVideoTracks()[0]; return ''").await;
    h.click("button[name=switch-camera]").await;
    let second = live_camera(&h, |label| label != first).await;
    assert_eq!(h.run_js("return window.__left.readyState").await, "ended", "the camera left behind is let go");
    assert_eq!(h.count("button[name=camera-light]").await, 0, "a camera without a light offers none");
    h.screenshots_at("scan-two-cameras", Some("#scanner")).await;
    // Closed and opened again: the camera chosen, not the default.
    h.click("button[name=scan]").await;
    assert_eq!(h.count("#scanner").await, 0, "the view closes");
    h.click("button[name=scan]").await;
    live_camera(&h, |label| label == second).await;
    // Round the list: back to the first.
    h.click("button[name=switch-camera]").await;
    live_camera(&h, |label| label == first).await;
    h.finish().await;
}

on_both_transports!(cameras_can_be_switched);
