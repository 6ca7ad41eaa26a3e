package flows

import (
	"chibo/flows/core"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

func TestCleanName(t *testing.T) {
	for _, c := range []struct {
		in, want, err string
	}{
		{"Nguyễn Văn An", "Nguyễn Văn An", ""},
		{"  nguyễn   văn  an ", "nguyễn văn an", ""},
		{norm.NFD.String("Đỗ Thị Hường"), "Đỗ Thị Hường", ""},
		{"H'Hen Niê", "H'Hen Niê", ""},
		{"", "", "err.name_empty"},
		{"A", "", "err.name_chars"},
		{"Nguyễn Văn 3", "", "err.name_chars"},
		{"<b>An</b>", "", "err.name_chars"},
		{string(make([]rune, 0)) + "Trần " + repeatRune('a', 120), "", "err.name_too_long"},
	} {
		got, err := core.CleanName(c.in)
		var inv *core.InvalidInput
		switch {
		case c.err == "" && err != nil:
			t.Errorf("CleanName(%q): %v", c.in, err)
		case c.err != "" && (!errors.As(err, &inv) || inv.MsgID != c.err):
			t.Errorf("CleanName(%q) error %v, want %s", c.in, err, c.err)
		case got != c.want:
			t.Errorf("CleanName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCleanFullName(t *testing.T) {
	for in, want := range map[string]string{"Nguyễn Văn An": "", "Giàng A Páo": "", "Hùng": "err.name_full", "  Hùng  ": "err.name_full", "Hùng 3": "err.name_chars"} {
		_, err := core.CleanFullName(in)
		var inv *core.InvalidInput
		switch {
		case want == "" && err != nil:
			t.Errorf("CleanFullName(%q): %v", in, err)
		case want != "" && (!errors.As(err, &inv) || inv.MsgID != want):
			t.Errorf("CleanFullName(%q) error %v, want %s", in, err, want)
		}
	}
}

func repeatRune(r rune, n int) string {
	out := make([]rune, n)
	for i := range out {
		out[i] = r
	}
	return string(out)
}

func TestFoldForSearch(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Văn A":                 "nguyen van a",
		"ĐỖ   THỊ  HƯỜNG":              "do thi huong",
		norm.NFD.String("Lê Thị Hồng"): "le thi hong",
		"Bình Dương":                   "binh duong",
	} {
		if got := core.FoldForSearch(in); got != want {
			t.Errorf("FoldForSearch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDate(t *testing.T) {
	zone, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, zone)
	for _, c := range []struct{ in, want, err string }{
		{"25/12/2026", "2026-12-25", ""},
		{"1/3/2026", "2026-03-01", ""},
		{"01-03-2026", "2026-03-01", ""},
		{"01.03.26", "2026-03-01", ""},
		{"29/02/2028", "2028-02-29", ""},
		{"20-12-2026", "2026-12-20", ""},
		{"2026-12-20", "2026-12-20", ""}, // ISO, as a phone's date picker writes it
		{"20/12", "2026-12-20", ""},      // the next 20/12
		{"7/12", "2026-12-07", ""},       // today is the next one
		{"05/12", "2027-12-05", ""},      // already past this year: next year's
		{"29/02", "2028-02-29", ""},
		{"29/02/2026", "", "err.date_no_day"},
		{"31/02", "", "err.date_no_day"},
		{"31/04/2027", "", "err.date_no_day"},
		{"12/13/2026", "", "err.date_no_month"},
		{"32/01/2026", "", "err.date_invalid"},
		{"hôm nay", "", "err.date_format"},
		{"25/12/2026 thêm", "", "err.date_format"},
		{"25", "", "err.date_format"},
	} {
		got, err := core.ParseDateFrom(c.in, now, zone)
		var inv *core.InvalidInput
		switch {
		case c.err == "" && err != nil:
			t.Errorf("ParseDate(%q): %v", c.in, err)
		case c.err != "" && (!errors.As(err, &inv) || inv.MsgID != c.err):
			t.Errorf("ParseDate(%q) error %v, want %s", c.in, err, c.err)
		case c.err == "" && got.Format("2006-01-02") != c.want:
			t.Errorf("ParseDate(%q) = %v, want %s", c.in, got, c.want)
		case c.err == "" && got.Location() != zone:
			t.Errorf("ParseDate(%q) in %v", c.in, got.Location())
		}
	}
	// Without a clock, a date needs its year.
	if _, err := core.ParseDate("20/12", zone); err == nil {
		t.Error("ParseDate without a clock read 20/12")
	}
	if got, err := core.ParseDate("2026-12-20", zone); err != nil || got.Format("2006-01-02") != "2026-12-20" {
		t.Errorf("ParseDate(2026-12-20) = %v, %v", got, err)
	}
	// A day something happened: the last 20/12, not the next.
	if got, err := core.ParseDatePast("20/12", now, zone); err != nil || got.Format("2006-01-02") != "2025-12-20" {
		t.Errorf("parseDatePast(20/12) = %v, %v", got, err)
	}
	// The error names the month and the day, and an example never in the past.
	_, err := core.ParseDateFrom("31/02", now, zone)
	var inv *core.InvalidInput
	if !errors.As(err, &inv) || fmt.Sprint(inv.KV) != "[Month 2 Day 31]" {
		t.Errorf("31/02: %v", err)
	}
	_, err = core.ParseDateFrom("hôm nay", now, zone)
	if !errors.As(err, &inv) || fmt.Sprint(inv.KV) != "[Example 14/12/2026]" {
		t.Errorf("example: %v", err)
	}
}
