package core

import (
	"chibo/storage"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxNameLen is the longest full name chibo stores, in characters.
const MaxNameLen = 100

// MaxReasonLen is the longest free-text reason chibo stores, in characters.
const MaxReasonLen = 500

func Utf8Len(s string) int { return utf8.RuneCountInString(s) }

// NormalizeText puts text in Unicode NFC (phones send Vietnamese decomposed
// too), trims it and turns control characters into spaces.
func NormalizeText(s string) string {
	s = norm.NFC.String(s)
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// FoldForSearch lowercases s and strips its diacritics, so "Nguyen Van A"
// finds "Nguyễn Văn A" (đ becomes d). It is the folding of storage's index
// of names (storage.Fold).
func FoldForSearch(s string) string { return storage.Fold(s) }

// CleanName validates a full name: letters (any script), spaces and a few
// marks, 2 to MaxNameLen characters. It returns the name with single spaces.
func CleanName(s string) (string, error) {
	s = strings.Join(strings.Fields(NormalizeText(s)), " ")
	n := Utf8Len(s)
	if n == 0 {
		return "", Invalid("err.name_empty")
	}
	if n > MaxNameLen {
		return "", Invalid("err.name_too_long", "Max", MaxNameLen)
	}
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			letters++
		case r == ' ' || r == '-' || r == '\'' || r == '.':
		default:
			return "", Invalid("err.name_chars")
		}
	}
	if letters < 2 {
		return "", Invalid("err.name_chars")
	}
	return s, nil
}

// CleanFullName validates a person's full name (họ và tên) as CleanName
// does, and also wants at least two words: "Hùng" or a Telegram first name
// alone does not say who someone is on the cell's books.
func CleanFullName(s string) (string, error) {
	name, err := CleanName(s)
	if err != nil {
		return "", err
	}
	if len(strings.Fields(name)) < 2 {
		return "", Invalid("err.name_full")
	}
	return name, nil
}

// MaxPlaceLen is the longest place (an address, a workplace, where a meeting
// is held) chibo stores, in characters.
const MaxPlaceLen = 200

// CleanPlace validates a place typed as text: at most MaxPlaceLen
// characters, with letters in it ("😀😀" or "123" is not a place). Its
// errors say the limit.
func CleanPlace(s string) (string, error) {
	s = NormalizeText(s)
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	switch n := Utf8Len(s); {
	case n == 0:
		return "", Invalid("err.place_empty", "Max", MaxPlaceLen)
	case n > MaxPlaceLen:
		return "", Invalid("err.reason_too_long", "Max", MaxPlaceLen)
	case letters < 2:
		return "", Invalid("err.place_letters", "Max", MaxPlaceLen)
	}
	return s, nil
}

// CleanReason validates a free-text reason or note.
func CleanReason(s string) (string, error) {
	s = NormalizeText(s)
	switch n := Utf8Len(s); {
	case n == 0:
		return "", Invalid("err.reason_empty")
	case n > MaxReasonLen:
		return "", Invalid("err.reason_too_long", "Max", MaxReasonLen)
	}
	return s, nil
}

// ParseDateFrom reads a date as people type it, in zone, at midnight:
// dd/mm/yyyy (also with - or . and one-digit day or month, or a two-digit
// year), yyyy-mm-dd, or dd/mm without a year, which is the next such day
// (today or later) after now. A day the month does not have is refused
// with the month named ("tháng 2 không có ngày 31").
func ParseDateFrom(s string, now time.Time, zone *time.Location) (time.Time, error) {
	return parseDate(s, now, zone, true)
}

// ParseDate is ParseDateFrom for a caller without the engine's clock (kept
// for callers of the previous release): a date without its year is
// refused, since "the next one" needs today. Its error's example is taken
// from the wall clock, the only one it has.
func ParseDate(s string, zone *time.Location) (time.Time, error) {
	now := time.Now()
	if len(strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == ' ' })) == 2 {
		return time.Time{}, Invalid("err.date_format", "Example", ExampleDate(now, zone))
	}
	return parseDate(s, now, zone, true)
}

// parseDatePast is ParseDateFrom where a date without a year is the latest such
// day on or before now (a day something happened).
func ParseDatePast(s string, now time.Time, zone *time.Location) (time.Time, error) {
	return parseDate(s, now, zone, false)
}

func parseDate(s string, now time.Time, zone *time.Location, next bool) (time.Time, error) {
	today := DayStart(now.In(zone))
	bad := Invalid("err.date_format", "Example", ExampleDate(now, zone))
	f := strings.FieldsFunc(NormalizeText(s), func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == ' ' })
	nums := make([]int, len(f))
	for i, x := range f {
		n, err := strconv.Atoi(x)
		if err != nil || len(x) > 4 {
			return time.Time{}, bad
		}
		nums[i] = n
	}
	var d, m, y int
	switch {
	case len(f) == 3 && len(f[0]) == 4: // yyyy-mm-dd
		y, m, d = nums[0], nums[1], nums[2]
	case len(f) == 3 && len(f[2]) != 3:
		d, m, y = nums[0], nums[1], nums[2]
		if len(f[2]) <= 2 {
			y += 2000
		}
	case len(f) == 2: // dd/mm: the next one, or the last one
		d, m, y = nums[0], nums[1], today.Year()
	default:
		return time.Time{}, bad
	}
	if m < 1 || m > 12 {
		return time.Time{}, Invalid("err.date_no_month", "Month", m)
	}
	if d < 1 || d > daysIn(time.Month(m), y) {
		if d >= 1 && d <= 31 {
			return time.Time{}, Invalid("err.date_no_day", "Month", m, "Day", d)
		}
		return time.Time{}, Invalid("err.date_invalid")
	}
	if y < 1900 || y > 2200 {
		return time.Time{}, Invalid("err.date_invalid")
	}
	if len(f) == 2 {
		step := -1
		if next {
			step = 1
		}
		t := dayOfMonthFrom(d, m, y, step, zone)
		if (next && t.Before(today)) || (!next && t.After(today)) {
			t = dayOfMonthFrom(d, m, y+step, step, zone)
		}
		return t, nil
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, zone)
	if t.Day() != d { // 29/02 of a year that has none
		return time.Time{}, Invalid("err.date_no_day", "Month", m, "Day", d)
	}
	return t, nil
}

// daysIn is the number of days of month in year (29 for February: a year
// is not known yet when dd/mm is typed; the date is checked again below).
func daysIn(month time.Month, year int) int {
	if month == time.February {
		return 29
	}
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dayOfMonthFrom is day/month in year, or (29/02) in the first year from
// there, going by step, that has it.
func dayOfMonthFrom(day, month, year, step int, zone *time.Location) time.Time {
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, zone)
	for t.Day() != day {
		year += step
		t = time.Date(year, time.Month(month), day, 0, 0, 0, 0, zone)
	}
	return t
}

// exampleDate is a date to show as an example in a question: a week after
// now, so it is never in the past.
func ExampleDate(now time.Time, zone *time.Location) string {
	return now.In(zone).AddDate(0, 0, 7).Format("02/01/2006")
}

func CkShorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// codeAlphabet leaves out letters and digits that are easy to confuse when a
// code is read off a screen (0/O, 1/I/L).
const CodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

func (c *Ctx) PickLabel(labels map[string]string, key string) string {
	if l := labels[c.Lang]; l != "" {
		return l
	}
	if l := labels["vi"]; l != "" {
		return l
	}
	return key
}

var MonthYear = regexp.MustCompile(`^(\d{1,2})\s*[/.\-]\s*(\d{4})$`)

// period is a check-in month.
type Period struct {
	Y int
	M time.Month
}

func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Y, int(p.M)) }

// label is the month as people read it: mm/yyyy.
func (p Period) Label() string { return fmt.Sprintf("%02d/%04d", int(p.M), p.Y) }

func (p Period) Add(n int) Period {
	t := time.Date(p.Y, p.M+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return Period{t.Year(), t.Month()}
}

func (p Period) Before(q Period) bool { return p.String() < q.String() }

func ParsePeriod(s string) (Period, bool) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Period{}, false
	}
	return Period{t.Year(), t.Month()}, true
}

// monthLabel shows "2006-01" as people read it: 01/2006.
func (c *Ctx) MonthLabel(month string) string {
	if p, ok := ParsePeriod(month); ok {
		return p.Label()
	}
	return month
}

// exampleMonth is the current month as people type it (mm/yyyy), for the
// example in a question.
func (c *Ctx) ExampleMonth() string {
	now := c.Now.In(c.Zone())
	return Period{now.Year(), now.Month()}.Label()
}

// kindName is the localized name of a meeting kind.
func (c *Ctx) KindName(mt *storage.Meeting) string {
	switch {
	case mt.Kind == storage.MeetingThematic:
		return c.T("mt.kind_thematic")
	case mt.Kind == storage.MeetingExtra:
		return c.T("mt.kind_extra")
	case mt.Combined:
		return c.T("mt.kind_combined")
	}
	return c.T("mt.kind_regular")
}

func YearArg(c *Ctx, args string) int {
	if y, err := strconv.Atoi(strings.TrimSpace(args)); err == nil && y > 2000 && y < 2200 {
		return y
	}
	return c.Now.In(c.Zone()).Year()
}
