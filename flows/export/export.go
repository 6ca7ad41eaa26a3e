// Package export makes the files a secretary keeps and passes on: Excel
// workbooks and CSV tables of the cell's books, PNG charts of attendance,
// and the residence comment form as a PDF. Its functions are pure: plain
// data and a translator in, bytes out. They read no database and send
// nothing; flows gathers the data and decides who gets the file.
//
// Every text in a file goes through a T (a message id of the "export"
// namespace in the reader's language), so a Vietnamese reader gets
// Vietnamese headers and an English one English.
package export

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// T renders a message id in the reader's language.
type T func(id string, kv ...any) string

// MIME types of the files made here.
const (
	MIMEXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	MIMECSV  = "text/csv; charset=utf-8"
	MIMEPNG  = "image/png"
	MIMEPDF  = "application/pdf"
)

// Standard is the attendance standard: a rate above 85 % (Guide
// 12-HD/BTCTW 2018, criterion 1).
const Standard = 0.85

// Mark is a member's month (or meeting) in the attendance books.
type Mark int

// Marks. MarkNone is a month without a meeting, or one the member was not
// on the list for.
const (
	MarkNone Mark = iota
	MarkPresent
	MarkExcused
	MarkUnexcused
	MarkExempt
	// MarkExemptPresent is an exempt member who came: present, and not
	// counted (DOMAIN.md §3: exempt members are left out of the count).
	MarkExemptPresent
	markCount
)

// Code is the letter a mark is written as, in chat and in files alike.
func (m Mark) Code(t T) string { return m.code(t) }

// code is the letter a mark is written as (C, P, K, M in Vietnamese).
func (m Mark) code(t T) string {
	switch m {
	case MarkPresent:
		return t("export.code_present")
	case MarkExcused:
		return t("export.code_excused")
	case MarkUnexcused:
		return t("export.code_unexcused")
	case MarkExempt:
		return t("export.code_exempt")
	case MarkExemptPresent:
		return t("export.code_exempt_present")
	}
	return ""
}

// name is a mark in words, for legends.
func (m Mark) name(t T) string {
	switch m {
	case MarkPresent:
		return t("export.mark_present")
	case MarkExcused:
		return t("export.mark_excused")
	case MarkUnexcused:
		return t("export.mark_unexcused")
	case MarkExempt:
		return t("export.mark_exempt")
	case MarkExemptPresent:
		return t("export.mark_exempt_present")
	}
	return ""
}

// legendMarks are the marks a legend explains, in order.
var legendMarks = []Mark{MarkPresent, MarkExcused, MarkUnexcused, MarkExempt, MarkExemptPresent}

// legend explains the codes.
func legend(t T) string {
	return t("export.att_legend", "Present", MarkPresent.code(t), "Excused", MarkExcused.code(t),
		"Unexcused", MarkUnexcused.code(t), "Exempt", MarkExempt.code(t), "ExemptPresent", MarkExemptPresent.code(t))
}

// Date formats a date as dd/mm/yyyy in its own location.
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02/01/2006")
}

// percent formats a fraction (0.923) as "92,3%" with the reader's decimal mark.
func percent(t T, f float64) string {
	return strings.Replace(strconv.FormatFloat(f*100, 'f', 1, 64), ".", t("export.decimal_mark"), 1) + "%"
}

// Slug makes a file name part from a name: diacritics folded, lowercase,
// words joined by "-", at most 40 bytes.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		r = fold(r)
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

// fold maps a lowercase Vietnamese letter to its base letter.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		return r
	}
	for base, set := range vietFolds {
		if strings.ContainsRune(set, r) {
			return base
		}
	}
	return r
}

var vietFolds = map[rune]string{
	'a': "àáảãạăằắẳẵặâầấẩẫậ",
	'd': "đ",
	'e': "èéẻẽẹêềếểễệ",
	'i': "ìíỉĩị",
	'o': "òóỏõọôồốổỗộơờớởỡợ",
	'u': "ùúủũụưừứửữự",
	'y': "ỳýỷỹỵ",
}

// CSV writes rows as CSV in UTF-8 with a byte-order mark, so Excel on
// Windows reads the Vietnamese letters right, and CRLF line ends. Every
// value goes through Inert: a member's answer cannot become a formula.
func CSV(rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, v := range r {
			safe[i] = Inert(v)
		}
		_ = w.Write(safe) // a bytes.Buffer does not fail
	}
	w.Flush()
	return b.Bytes()
}

// Inert keeps text typed by people (names, answers, reasons) from running as
// a formula when a secretary opens the file in a spreadsheet: a value that
// begins with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe, which spreadsheets read as "this is text" (OWASP, CSV
// injection).
func Inert(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
