//! A uid's name from `/etc/passwd`, read directly and with a bound. The
//! setuid helper is linked statically and must not load NSS modules; a
//! user only another database knows is logged by uid alone.

use std::io::Read;

const PASSWD: &str = "/etc/passwd";
const MAX_BYTES: u64 = 4 << 20;
/// Room for a usual `/etc/passwd` in one read (reading into an empty
/// buffer, std starts with 32 bytes and doubles: eight reads for 4 KiB).
const FIRST_READ: usize = 16 << 10;

/// The first name `/etc/passwd` gives `uid`, if any.
pub fn user_name(uid: u32) -> Option<String> {
    let mut text = Vec::with_capacity(FIRST_READ);
    std::fs::File::open(PASSWD)
        .ok()?
        .take(MAX_BYTES)
        .read_to_end(&mut text)
        .ok()?;
    name_in(&text, uid)
}

fn name_in(text: &[u8], uid: u32) -> Option<String> {
    text.split(|&b| b == b'\n').find_map(|line| {
        let mut fields = line.split(|&b| b == b':');
        let name = fields.next()?;
        let _password = fields.next()?;
        let id = std::str::from_utf8(fields.next()?).ok()?.parse::<u32>().ok()?;
        (id == uid && !name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_uid() {
        let text = b"root:x:0:0:root:/root:/bin/bash\n+nis\nalice:x:1000:1000::/home/alice:/bin/sh\nbad:x:zz:1\n";
        assert_eq!(name_in(text, 0).as_deref(), Some("root"));
        assert_eq!(name_in(text, 1000).as_deref(), Some("alice"));
        assert_eq!(name_in(text, 1001), None);
        assert_eq!(user_name(0).as_deref(), Some("root"));
    }
}
