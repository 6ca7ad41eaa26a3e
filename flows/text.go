package flows

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxTextLen is the longest text chibo reads (Telegram's own message limit).
const MaxTextLen = 4096

// MaxNameLen is the longest full name chibo stores, in characters.
const MaxNameLen = 100

// MaxReasonLen is the longest free-text reason chibo stores, in characters.
const MaxReasonLen = 500

func utf8Len(s string) int { return utf8.RuneCountInString(s) }

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
// finds "Nguyễn Văn A" (đ becomes d).
func FoldForSearch(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	out = strings.Map(func(r rune) rune {
		switch r {
		case 'đ', 'Đ':
			return 'd'
		}
		return unicode.ToLower(r)
	}, out)
	return strings.Join(strings.Fields(out), " ")
}

// CleanName validates a full name: letters (any script), spaces and a few
// marks, 2 to MaxNameLen characters. It returns the name with single spaces.
func CleanName(s string) (string, error) {
	s = strings.Join(strings.Fields(NormalizeText(s)), " ")
	n := utf8Len(s)
	if n == 0 {
		return "", invalid("err.name_empty")
	}
	if n > MaxNameLen {
		return "", invalid("err.name_too_long", "Max", MaxNameLen)
	}
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			letters++
		case r == ' ' || r == '-' || r == '\'' || r == '.':
		default:
			return "", invalid("err.name_chars")
		}
	}
	if letters < 2 {
		return "", invalid("err.name_chars")
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
		return "", invalid("err.name_full")
	}
	return name, nil
}

// CleanReason validates a free-text reason or note.
func CleanReason(s string) (string, error) {
	s = NormalizeText(s)
	switch n := utf8Len(s); {
	case n == 0:
		return "", invalid("err.reason_empty")
	case n > MaxReasonLen:
		return "", invalid("err.reason_too_long", "Max", MaxReasonLen)
	}
	return s, nil
}

// ParseDate reads a date typed as dd/mm/yyyy (also with - or . and one-digit
// day or month) in zone, at midnight.
func ParseDate(s string, zone *time.Location) (time.Time, error) {
	s = strings.NewReplacer("-", "/", ".", "/", " ", "").Replace(NormalizeText(s))
	var d, m, y int
	var rest string
	if n, _ := fmt.Sscanf(s+" x", "%d/%d/%d %s", &d, &m, &y, &rest); n != 4 {
		return time.Time{}, invalid("err.date_format")
	}
	if y < 100 {
		y += 2000
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, zone)
	if t.Day() != d || int(t.Month()) != m || y < 1900 || y > 2200 {
		return time.Time{}, invalid("err.date_invalid")
	}
	return t, nil
}

// deepLinkToken recognises a pasted invite link (https://t.me/<bot>?start=X)
// and returns its token.
func deepLinkToken(text string) (string, bool) {
	if !strings.HasPrefix(text, "https://t.me/") && !strings.HasPrefix(text, "t.me/") {
		return "", false
	}
	u, err := url.Parse(text)
	if err != nil {
		return "", false
	}
	tok := u.Query().Get("start")
	return tok, tok != ""
}
