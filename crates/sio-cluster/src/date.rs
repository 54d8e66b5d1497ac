//! A msgpack timestamp (what notepack makes of a JavaScript `Date`) as the
//! ISO-8601 text `Date.prototype.toISOString` gives, which is what a Node
//! server's clients receive.

/// `secs` since the Unix epoch plus `nanos`, as `YYYY-MM-DDTHH:MM:SS.mmmZ`
/// (milliseconds, truncated). `None` past JavaScript's date range.
pub(crate) fn iso_string(secs: i64, nanos: u32) -> Option<String> {
    // JavaScript dates span ±8.64e15 ms around the epoch.
    const MAX_SECS: i64 = 8_640_000_000_000;
    if !(-MAX_SECS..=MAX_SECS).contains(&secs) || nanos >= 1_000_000_000 {
        return None;
    }
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{}{:06}", if year < 0 { '-' } else { '+' }, year.abs())
    };
    Some(format!(
        "{year}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        nanos / 1_000_000
    ))
}

/// The proleptic Gregorian date of day `days` after 1970-01-01, counting
/// in 400-year eras of 146 097 days that start on March 1st (so that the
/// leap day ends a year).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::iso_string;

    #[test]
    fn dates_read_as_javascript_prints_them() {
        assert_eq!(iso_string(0, 0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso_string(1_795_630_256, 318_000_000).unwrap(),
            "2026-11-25T18:10:56.318Z"
        );
        assert_eq!(
            iso_string(951_782_400, 0).unwrap(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            iso_string(-1, 999_999_999).unwrap(),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(iso_string(i64::MAX, 0), None);
    }
}
