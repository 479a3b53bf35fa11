//! A tiny deterministic generator (SplitMix64). Seeding derives one generator per record from
//! (seed, record number), so any record can be regenerated on its own and reset is a pure
//! function of the seed.

#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator for record `n` of stream `stream` under `seed`.
    pub fn for_record(seed: u64, stream: u64, n: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.0 ^= n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        r.next();
        r
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; 0 gives 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// One of `items` (which must not be empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items[i.min(items.len().saturating_sub(1))]
    }
}

/// Base-62 digits, most significant first, left-padded with '0' to `width`.
pub fn base62(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::with_capacity(width.max(11));
    while n > 0 {
        out.push(DIGITS[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The inverse of [`base62`]; `None` for characters outside the alphabet or overflow.
pub fn parse_base62(s: &str) -> Option<u64> {
    s.bytes().try_fold(0u64, |acc, b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A' + 10,
            b'a'..=b'z' => b - b'a' + 36,
            _ => return None,
        };
        acc.checked_mul(62)?.checked_add(u64::from(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_round_trips() {
        for n in [0, 1, 61, 62, 12_345_678, u64::MAX] {
            assert_eq!(parse_base62(&base62(n, 10)), Some(n));
        }
        assert_eq!(base62(61, 3), "00z");
    }

    #[test]
    fn records_are_reproducible() {
        assert_eq!(Rng::for_record(42, 1, 7).next(), Rng::for_record(42, 1, 7).next());
        assert_ne!(Rng::for_record(42, 1, 7).next(), Rng::for_record(42, 1, 8).next());
    }
}
