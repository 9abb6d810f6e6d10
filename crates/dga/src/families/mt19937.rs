//! MT19937, the 32-bit Mersenne twister (Matsumoto and Nishimura, "Mersenne
//! Twister: a 623-dimensionally equidistributed uniform pseudo-random number
//! generator", ACM TOMACS 1998), with the reference `init_genrand` seeding.
//! Shared by the families built on it: qakbot and charbot (numpy's
//! `RandomState` is this generator) use it as published; reconyc's malware
//! has a twist that stops one word short.

/// Words of state.
const N: usize = 624;
/// The middle word of the recurrence.
const M: usize = 397;

/// The generator's state.
pub(crate) struct Mt19937 {
    state: [u32; N],
    index: usize,
    /// Whether the twist skips the last word, as reconyc's copy does.
    short_twist: bool,
}

impl Mt19937 {
    /// The standard generator seeded with `init_genrand(seed)`.
    pub(crate) fn new(seed: u32) -> Mt19937 {
        let mut state = [0u32; N];
        state[0] = seed;
        for i in 1..N {
            let previous = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(previous ^ (previous >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 {
            state,
            index: N,
            short_twist: false,
        }
    }

    /// Reconyc's variant: standard seeding and tempering, but the twist
    /// stops one word short and never refreshes the last word.
    pub(crate) fn with_short_twist(seed: u32) -> Mt19937 {
        Mt19937 {
            short_twist: true,
            ..Mt19937::new(seed)
        }
    }

    fn twist(&mut self) {
        let words = if self.short_twist { N - 1 } else { N };
        for i in 0..words {
            let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % N] & 0x7FFF_FFFF);
            let mut next = self.state[(i + M) % N] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= 0x9908_B0DF;
            }
            self.state[i] = next;
        }
        self.index = 0;
    }

    /// The next tempered 32-bit output.
    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C_5680;
        y ^= (y << 15) & 0xEFC6_0000;
        y ^ (y >> 18)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_output_for_seed_5489() {
        // The 10000th output of the reference generator seeded with 5489
        // (C++ std::mt19937's documented check value).
        let mut generator = Mt19937::new(5489);
        let value = (0..10_000).map(|_| generator.next_u32()).last();
        assert_eq!(value, Some(4_123_659_995));
    }
}
