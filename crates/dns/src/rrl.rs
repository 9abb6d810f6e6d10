//! Response-rate limiting against reflection: a token bucket per client
//! network (/24 for IPv4, /56 for IPv6) for UDP responses, in the spirit of
//! BIND's RRL. Over the limit, every `slip`-th response is sent empty with TC
//! set (a real client retries over TCP, which cannot be spoofed) and the
//! others are dropped.
//!
//! Memory is bounded: at most `max_tracked` networks are tracked; when full,
//! idle ones are evicted, and if that is not enough the table is reset.

use std::net::IpAddr;

use ahash::AHashMap;

/// Limits.
#[derive(Debug, Clone, Copy)]
pub struct RrlLimits {
    /// Responses per second per client network; 0 disables limiting.
    pub responses_per_second: u32,
    /// Every n-th limited response is sent truncated; 0 drops all.
    pub slip: u32,
    /// Networks tracked at most.
    pub max_tracked: usize,
}

impl Default for RrlLimits {
    fn default() -> Self {
        RrlLimits {
            responses_per_second: 0,
            slip: 2,
            max_tracked: 100_000,
        }
    }
}

/// What to do with one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send it.
    Send,
    /// Send an empty truncated response instead.
    Slip,
    /// Drop it.
    Drop,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last_ms: u64,
    limited: u32,
}

/// The limiter's state.
#[derive(Debug, Default)]
pub struct Rrl {
    limits: RrlLimits,
    buckets: AHashMap<u128, Bucket>,
}

impl Rrl {
    /// A limiter.
    pub fn new(limits: RrlLimits) -> Rrl {
        Rrl {
            limits,
            buckets: AHashMap::new(),
        }
    }

    /// Decides for a response to `client` at `now_ms` (a monotonic clock).
    pub fn check(&mut self, client: IpAddr, now_ms: u64) -> Decision {
        let rate = self.limits.responses_per_second;
        if rate == 0 {
            return Decision::Send;
        }
        let key = network(client);
        if self.buckets.len() >= self.limits.max_tracked && !self.buckets.contains_key(&key) {
            self.buckets
                .retain(|_, b| now_ms.saturating_sub(b.last_ms) < 1000);
            if self.buckets.len() >= self.limits.max_tracked {
                self.buckets.clear();
            }
        }
        let burst = f64::from(rate);
        let bucket = self.buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            last_ms: now_ms,
            limited: 0,
        });
        let elapsed = now_ms.saturating_sub(bucket.last_ms) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * burst).min(burst);
        bucket.last_ms = now_ms;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Decision::Send;
        }
        bucket.limited = bucket.limited.wrapping_add(1);
        if self.limits.slip > 0 && bucket.limited % self.limits.slip == 0 {
            Decision::Slip
        } else {
            Decision::Drop
        }
    }
}

fn network(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4) & 0xFFFF_FF00),
        IpAddr::V6(v6) => (u128::from(v6) & !((1u128 << 72) - 1)) | 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_limited_and_slips_every_other_response() {
        let mut rrl = Rrl::new(RrlLimits {
            responses_per_second: 5,
            slip: 2,
            max_tracked: 10,
        });
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        let decisions: Vec<Decision> = (0..9).map(|_| rrl.check(client, 1000)).collect();
        assert_eq!(decisions[..5], [Decision::Send; 5]);
        assert_eq!(
            decisions[5..],
            [
                Decision::Drop,
                Decision::Slip,
                Decision::Drop,
                Decision::Slip
            ]
        );
        assert_eq!(rrl.check(client, 2000), Decision::Send, "tokens refill");
        let other: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            rrl.check(other, 1000),
            Decision::Send,
            "other networks are not harmed"
        );
    }

    #[test]
    fn the_table_stays_bounded() {
        let mut rrl = Rrl::new(RrlLimits {
            responses_per_second: 1,
            slip: 0,
            max_tracked: 100,
        });
        for i in 0..10_000u32 {
            rrl.check(IpAddr::V4((i << 8).into()), 0);
            assert!(rrl.buckets.len() <= 100);
        }
    }
}
