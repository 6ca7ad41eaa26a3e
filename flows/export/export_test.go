package export

import (
	"bytes"
	"compress/zlib"
	"encoding/csv"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/image/font/sfnt"

	"chibo/locales"
)

// vietnamese is every Vietnamese letter with a diacritic, both cases.
const vietnamese = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ" +
	"ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"

func tr(tb testing.TB, lang string) T {
	tb.Helper()
	cat, err := locales.Load()
	if err != nil {
		tb.Fatal(err)
	}
	cat.OnError = func(id string, err error) { tb.Errorf("message %s: %v", id, err) }
	return func(id string, kv ...any) string { return cat.T(lang, id, kv...) }
}

var zone = func() *time.Location { z, _ := time.LoadLocation("Asia/Ho_Chi_Minh"); return z }()

// year makes a cell's year of n members: member i is present except in
// the months given, with a few of each mark.
func year(n int) *AttendanceYear {
	a := &AttendanceYear{Cell: "Chi bộ ấp Phú Hòa", Year: 2026, Made: time.Date(2026, 12, 20, 9, 0, 0, 0, zone)}
	for mo := 1; mo <= 12; mo++ {
		a.Meetings = append(a.Meetings, Meeting{At: time.Date(2026, time.Month(mo), 3, 19, 30, 0, 0, zone), Kind: "Sinh hoạt chi bộ thường kỳ", Topic: "Nghị quyết tháng", Present: n - 2, Excused: 1, Unexcused: 1})
	}
	for i := range n {
		m := MemberYear{Name: fmt.Sprintf("Nguyễn Thị Ánh Tuyết %03d", i+1), Marks: make([]Mark, 12)}
		for mo := range 12 {
			m.Marks[mo] = MarkPresent
			switch {
			case i%10 == 1 && mo%4 == 0:
				m.Marks[mo] = MarkExcused
			case i%10 == 2 && mo == 5:
				m.Marks[mo] = MarkUnexcused
			case i%10 == 3 && mo >= 6:
				m.Marks[mo] = MarkExempt
			case i%10 == 4 && mo < 2:
				m.Marks[mo] = MarkNone // joined in March
			}
		}
		a.Members = append(a.Members, m)
	}
	syncCounts(a)
	return a
}

// syncCounts sets each meeting's counts from the members' marks, as the
// stored tally of a real year agrees with its roll.
func syncCounts(a *AttendanceYear) {
	for i := range a.Meetings {
		x := &a.Meetings[i]
		x.Present, x.Excused, x.Unexcused, x.Exempt, x.ExemptPresent = 0, 0, 0, 0, 0
		for _, m := range a.Members {
			switch m.Marks[i] {
			case MarkPresent:
				x.Present++
			case MarkExcused:
				x.Excused++
			case MarkUnexcused:
				x.Unexcused++
			case MarkExempt:
				x.Exempt++
			case MarkExemptPresent:
				x.Exempt++
				x.ExemptPresent++
			}
		}
	}
}

func openBook(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func cell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// calc computes a formula cell with excelize's engine.
func calc(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.CalcCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("calc %s!%s: %v", sheet, ref, err)
	}
	return v
}

func TestAttendanceXLSX(t *testing.T) {
	vi := tr(t, "vi")
	a := year(20)
	for i := 15; i < 20; i++ { // December: 14 present of 19 expected, below the line
		a.Members[i].Marks[11] = MarkUnexcused
	}
	syncCounts(a)
	a.Members[0].Name = strings.Repeat("Nguyễn Văn Trường ", 12)[:200] // a name of 200 bytes
	data, err := AttendanceXLSX(vi, a)
	if err != nil {
		t.Fatal(err)
	}
	f := openBook(t, data)
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Điểm danh cả năm" || got[1] != "Các buổi sinh hoạt" {
		t.Fatalf("sheets %q", got)
	}
	s := "Điểm danh cả năm"
	for ref, want := range map[string]string{
		"A1": "THEO DÕI SINH HOẠT ĐẢNG NĂM 2026", "A2": "Chi bộ ấp Phú Hòa – xuất ngày 20/12/2026",
		"A4": "STT", "B4": "Họ và tên", "C4": "03/01", "N4": "03/12", "O4": "Có mặt", "P4": "Vắng có lý do", "Q4": "Vắng không lý do",
		"R4": "Miễn", "S4": "Phải dự", "T4": "Tỷ lệ",
		"B5": a.Members[0].Name, "B6": "Nguyễn Thị Ánh Tuyết 002", "C6": "P", "D6": "C", "H7": "K", "I8": "M", "C9": "", "E9": "C",
	} {
		if got := cell(t, f, s, ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	// Member totals are formulas, and they compute what the CSV says.
	if fm, _ := f.GetCellFormula(s, "O6"); fm != `COUNTIF(C6:N6,"C")` {
		t.Errorf("O6 formula %q", fm)
	}
	for ref, want := range map[string]string{"O6": "9", "P6": "3", "Q7": "1", "R8": "6", "S8": "6", "S9": "10"} {
		if got := calc(t, f, s, ref); got != want {
			t.Errorf("%s computes %q, want %q", ref, got, want)
		}
	}
	if got, _ := strconv.ParseFloat(calc(t, f, s, "T6"), 64); fmt.Sprintf("%.4f", got) != "0.7500" {
		t.Errorf("T6 rate %v, want 0.75", got)
	}
	// The foot: row 25 present per month, 26 expected, 27 rate, 28 the 85 % line.
	if got := cell(t, f, s, "B25"); got != "Có mặt" {
		t.Fatalf("B25 = %q", got)
	}
	// January: 20 members, 2 excused (members 2 and 12), 2 not on the list.
	for ref, want := range map[string]string{"C25": "16", "C26": "18", "C28": "Đạt", "N25": "13", "N26": "18", "N28": "Chưa đạt", "O25": "211", "S25": "224"} {
		if got := calc(t, f, s, ref); got != want {
			t.Errorf("%s computes %q, want %q", ref, got, want)
		}
	}
	if fm, _ := f.GetCellFormula(s, "C27"); fm != `IF(C26=0,"",C25/C26)` {
		t.Errorf("C27 formula %q", fm)
	}
	// The header row is frozen, the page A4 landscape.
	panes, err := f.GetPanes(s)
	if err != nil || !panes.Freeze || panes.YSplit != 4 {
		t.Errorf("panes %+v %v", panes, err)
	}
	pl, err := f.GetPageLayout(s)
	if err != nil || *pl.Size != 9 || *pl.Orientation != "landscape" {
		t.Errorf("page layout size %d orientation %s: %v", *pl.Size, *pl.Orientation, err)
	}
	if w, _ := f.GetColWidth(s, "B"); w < 25 {
		t.Errorf("name column %v wide", w)
	}
	// Dates are dates, shown dd/mm/yyyy.
	if got := cell(t, f, "Các buổi sinh hoạt", "B5"); got != "03/01/2026" {
		t.Errorf("meeting date %q", got)
	}
	if got := calc(t, f, "Các buổi sinh hoạt", "J5"); got != "18" {
		t.Errorf("expected %q", got)
	}
	var legend bool
	rows, _ := f.GetRows(s)
	for _, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], "Ký hiệu: C = có mặt; P = vắng có lý do; K = vắng không lý do") {
			legend = true
		}
	}
	if !legend {
		t.Error("no legend")
	}
}

func TestAttendance_emptyYear(t *testing.T) {
	vi := tr(t, "vi")
	a := &AttendanceYear{Cell: "Chi bộ Thử", Year: 2031, Made: time.Date(2031, 1, 2, 0, 0, 0, 0, zone)}
	data, err := AttendanceXLSX(vi, a)
	if err != nil {
		t.Fatal(err)
	}
	f := openBook(t, data)
	rows, _ := f.GetRows("Điểm danh cả năm")
	if !strings.Contains(fmt.Sprint(rows), "Năm 2031 chưa có buổi sinh hoạt nào đã kết thúc.") {
		t.Errorf("no empty-year note in %q", rows)
	}
	png, err := AttendanceChart(vi, a)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, png, ChartWidth, ChartHeight(0))
}

func TestAttendanceCSV(t *testing.T) {
	data := AttendanceCSV(tr(t, "vi"), year(3))
	if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Fatal("no byte-order mark")
	}
	rows, err := readCSV(data[3:])
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "THEO DÕI SINH HOẠT ĐẢNG NĂM 2026" || rows[2][1] != "Họ và tên" || rows[2][2] != "03/01" {
		t.Fatalf("head %q", rows[:3])
	}
	// Member 2: excused in January, May and September.
	want := []string{"2", "Nguyễn Thị Ánh Tuyết 002", "P", "C", "C", "C", "P", "C", "C", "C", "P", "C", "C", "C", "9", "3", "0", "0", "12", "75,0%"}
	if fmt.Sprint(rows[4]) != fmt.Sprint(want) {
		t.Errorf("row %q\nwant %q", rows[4], want)
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Error("lines should end in CRLF for Excel")
	}
}

func TestTables(t *testing.T) {
	vi := tr(t, "vi")
	at := time.Date(2026, 3, 3, 19, 30, 0, 0, zone)
	roll := RollTable(vi, &Roll{Cell: "Chi bộ Thử", Made: at, Meeting: Meeting{At: at, Kind: "Sinh hoạt chi bộ thường kỳ", Topic: "Quý I"},
		Lines: []RollLine{{Name: "Lê Thị Ốc", Mark: MarkPresent, State: "có mặt", MarkedAt: at, Dues: "đã nộp"},
			{Name: "Trần Văn Đạt", Mark: MarkExcused, State: "vắng có lý do", Reason: "Ốm", Decision: "chấp nhận"},
			{Name: "Phạm Ư", Mark: MarkUnexcused, State: "vắng không lý do"}}})
	q := QualityTable(vi, &QualityYear{Cell: "Chi bộ Thử", Year: 2026, Made: at, Sections: []QualitySection{{"Chuẩn bị", 15}, {"Dự họp", 85}},
		Lines: []QualityLine{{At: at, Kind: "Thường kỳ", Points: []int{15, 80}}, {At: at.AddDate(0, 1, 0), Kind: "Thường kỳ", Points: []int{10, 60}}, {At: at.AddDate(0, 2, 0), Kind: "Thường kỳ"}}})
	ck := CheckinTable(vi, &CheckinMonth{Cell: "Chi bộ Thử", Month: "03/2026", Made: at, Fields: []string{"Nơi ở", "Việc làm"},
		Lines: []CheckinLine{{Name: "Hoàng Văn Em", Group: "Tổ đi làm ăn xa", State: "đã báo cáo", Done: true, At: at, Answers: []string{"Bình Dương", "Công nhân"}},
			{Name: "Vũ Thị Gấm", State: "chưa báo cáo"}}})
	data, err := Workbook(vi, roll, q, ck)
	if err != nil {
		t.Fatal(err)
	}
	f := openBook(t, data)
	for _, c := range []struct{ sheet, ref, want string }{
		{"Điểm danh", "B5", "Lê Thị Ốc"}, {"Điểm danh", "H5", "đã nộp"}, {"Điểm danh", "I5", "19:30 03/03/2026"},
		{"Chất lượng sinh hoạt", "D4", "Chuẩn bị (15)"}, {"Chất lượng sinh hoạt", "B5", "03/03/2026"}, {"Chất lượng sinh hoạt", "G7", "chưa chấm"},
		{"Báo cáo hằng tháng", "E5", "03/03/2026"}, {"Báo cáo hằng tháng", "G5", "Công nhân"}, {"Báo cáo hằng tháng", "D6", "chưa báo cáo"},
	} {
		if got := cell(t, f, c.sheet, c.ref); got != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.ref, got, c.want)
		}
	}
	for _, c := range []struct{ sheet, ref, want string }{
		{"Điểm danh", "C8", "1"}, {"Điểm danh", "C10", "1"}, {"Chất lượng sinh hoạt", "F5", "95"}, {"Chất lượng sinh hoạt", "G5", "Tốt"},
		{"Chất lượng sinh hoạt", "G6", "Khá"}, {"Chất lượng sinh hoạt", "G8", "1"}, {"Báo cáo hằng tháng", "E7", "1"},
	} {
		if got := calc(t, f, c.sheet, c.ref); got != c.want {
			t.Errorf("%s!%s computes %q, want %q", c.sheet, c.ref, got, c.want)
		}
	}
	if got, _ := strconv.ParseFloat(calc(t, f, "Điểm danh", "C13"), 64); fmt.Sprintf("%.3f", got) != "0.333" {
		t.Errorf("roll rate %v", got)
	}
	rows, _ := readCSV(TableCSV(vi, q)[3:])
	if fmt.Sprint(rows[3]) != fmt.Sprint([]string{"1", "03/03/2026", "Thường kỳ", "15", "80", "95", "Tốt"}) {
		t.Errorf("quality CSV row %q", rows[3])
	}
}

func readCSV(data []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // the title and notes are one field
	return r.ReadAll()
}

func y0Of() int { return rateHeight + gridTop + gridHead }

func checkPNG(t *testing.T, data []byte, w, h int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("PNG is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
}

func TestAttendanceChart(t *testing.T) {
	a := year(30)
	a.Members[0].Name = strings.Repeat("Tôn Nữ Thị Ngọc Quỳnh ", 10) // a 220-character name
	data, err := AttendanceChart(tr(t, "vi"), a)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, ChartWidth, ChartHeight(30))
	img, _ := png.Decode(bytes.NewReader(data))
	// The grid's first member, June (index 5): present, so green; member 3
	// (row 3) in June is unexcused, so red.
	cellW := gridCell
	x := gridMargin + gridNameW + cellW*5 + 6
	// Member 2 in January is excused: exactly the excused colour (the
	// palette keeps the flat colours).
	if got := color.RGBAModel.Convert(img.At(gridMargin+gridNameW+6, y0Of()+gridRow+6)); got != colExcused {
		t.Errorf("excused cell colour %v, want %v", got, colExcused)
	}
	y0 := rateHeight + gridTop + gridHead
	if r, g, _, _ := img.At(x, y0+gridRow/2-12).RGBA(); !(g>>8 > 0x80 && r>>8 < 0x60) {
		t.Errorf("present cell colour r=%x g=%x", r>>8, g>>8)
	}
	if r, g, _, _ := img.At(x, y0+2*gridRow+gridRow/2-12).RGBA(); !(r>>8 > 0xc0 && g>>8 < 0x60) {
		t.Errorf("unexcused cell colour r=%x g=%x", r>>8, g>>8)
	}
}

// TestFont_everyVietnameseLetter fails when the embedded fonts lack a
// glyph for any Vietnamese letter (the Go fonts lack most of them).
func TestFont_everyVietnameseLetter(t *testing.T) {
	for name, data := range map[string][]byte{"regular": fontRegular, "bold": fontBold} {
		f, err := sfnt.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		for _, r := range vietnamese + "₫%…–·" {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				t.Errorf("%s font has no glyph for %q", name, r)
			}
		}
	}
	// The chart's text measures every letter with a real width (a missing
	// glyph would measure as the .notdef box, the same for all).
	fonts, err := fontCache()
	if err != nil {
		t.Fatal(err)
	}
	sty := styler{fonts: fonts}.text(textSize, false)
	if w := sty.Width(vietnamese); w <= 0 {
		t.Fatalf("width %v", w)
	}
}

func comment() *Comment {
	return &Comment{Year: 2026, Org: "Đảng bộ phường Bến Thành", Cell: "Chi bộ khu phố 3", Member: "Nguyễn Thị Ánh Tuyết",
		Home: "Chi bộ Sở Tư pháp", Workplace: "Sở Tư pháp", WorkplaceOrg: "Đảng bộ Sở Tư pháp",
		Fields: []Field{{"Giữ mối liên hệ với chi ủy, chi bộ nơi cư trú", "Tốt"}, {"Nhận xét khác", "Gương mẫu, nhiệt tình; " + vietnamese}},
		By:     "Trần Văn Bảy", Role: "Bí thư", At: time.Date(2026, 12, 5, 10, 0, 0, 0, zone)}
}

func TestCommentPDF(t *testing.T) {
	c := comment()
	data, err := CommentPDF(tr(t, "vi"), c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.Contains(data, []byte("/MediaBox [0 0 595.28 841.89]")) {
		t.Fatalf("not an A4 PDF: %q", data[:min(len(data), 200)])
	}
	text := pdfText(t, data)
	for _, want := range []string{"Nguyễn Thị Ánh Tuyết", "Chi bộ khu phố 3", "ĐẢNG CỘNG SẢN VIỆT NAM", "PHIẾU NHẬN XÉT ĐẢNG VIÊN",
		"ngày 5 tháng 12 năm 2026", "Trần Văn Bảy", "(Ký, ghi rõ họ tên)", "TRƯỞNG BAN CÔNG TÁC MẶT TRẬN"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	// Every letter came through (the line wraps inside the run of letters).
	if !strings.Contains(strings.Join(strings.Fields(text), ""), vietnamese) {
		t.Errorf("the PDF's text lacks some Vietnamese letters:\n%s", text)
	}
	// A long name still makes a PDF that holds it.
	c.Member = strings.Repeat("Nguyễn Văn Trường ", 12)
	data, err = CommentPDF(tr(t, "vi"), c)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, data); !strings.Contains(strings.Join(strings.Fields(text), " "), strings.TrimSpace(c.Member)) {
		t.Errorf("the long name is not in the PDF")
	}
}

// pdfText extracts the text fpdf wrote: it inflates every stream, reads the
// font's ToUnicode map (glyph id → character) and decodes the strings
// shown with Tj. A glyph that fell back to another font or to .notdef has
// no entry in the map, and its text comes out as U+FFFD.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	var streams [][]byte
	for _, m := range regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(data, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			streams = append(streams, m[1]) // not compressed
			continue
		}
		b, err := io.ReadAll(r)
		if err != nil {
			continue // a font file, say
		}
		streams = append(streams, b)
	}
	cmap := map[int]rune{}
	hex := func(s string) int { v, _ := strconv.ParseInt(s, 16, 32); return int(v) }
	bfchar := regexp.MustCompile(`<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>`)
	bfrange := regexp.MustCompile(`<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>`)
	for _, s := range streams {
		if !bytes.Contains(s, []byte("begincmap")) {
			continue
		}
		for _, sec := range regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`).FindAllSubmatch(s, -1) {
			for _, m := range bfrange.FindAllStringSubmatch(string(sec[1]), -1) {
				for g := hex(m[1]); g <= hex(m[2]); g++ {
					cmap[g] = rune(hex(m[3]) + g - hex(m[1]))
				}
			}
		}
		for _, sec := range regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`).FindAllSubmatch(s, -1) {
			for _, m := range bfchar.FindAllStringSubmatch(string(sec[1]), -1) {
				cmap[hex(m[1])] = rune(hex(m[2]))
			}
		}
	}
	if len(cmap) == 0 {
		t.Fatal("no ToUnicode map in the PDF")
	}
	var out strings.Builder
	tj := regexp.MustCompile(`(?s)\(((?:\\.|[^\\)])*)\)\s*Tj`)
	for _, s := range streams {
		for _, m := range tj.FindAllSubmatch(s, -1) {
			raw := unescapePDF(m[1])
			for i := 0; i+1 < len(raw); i += 2 {
				g := int(raw[i])<<8 | int(raw[i+1])
				r, ok := cmap[g]
				if !ok {
					r = '\uFFFD'
				}
				out.WriteRune(r)
			}
			out.WriteByte('\n')
		}
	}
	return out.String()
}

func unescapePDF(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch c := b[i]; c {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		default:
			if c >= '0' && c <= '7' {
				v, j := 0, i
				for ; j < len(b) && j < i+3 && b[j] >= '0' && b[j] <= '7'; j++ {
					v = v*8 + int(b[j]-'0')
				}
				out = append(out, byte(v))
				i = j - 1
			} else {
				out = append(out, c)
			}
		}
	}
	return out
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"Nguyễn Thị Ánh Tuyết": "nguyen-thi-anh-tuyet", "Chi bộ ấp Phú Hòa!": "chi-bo-ap-phu-hoa", "": "x"} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkAttendanceXLSX200 is the year's workbook of a 200-member cell.
func BenchmarkAttendanceXLSX200(b *testing.B) {
	vi, a := tr(b, "vi"), year(200)
	for b.Loop() {
		if _, err := AttendanceXLSX(vi, a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAttendanceChart200 is the year's chart of a 200-member cell.
func BenchmarkAttendanceChart200(b *testing.B) {
	vi, a := tr(b, "vi"), year(200)
	for b.Loop() {
		if _, err := AttendanceChart(vi, a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommentPDF is one residence comment.
func BenchmarkCommentPDF(b *testing.B) {
	vi, c := tr(b, "vi"), comment()
	for b.Loop() {
		if _, err := CommentPDF(vi, c); err != nil {
			b.Fatal(err)
		}
	}
}

func TestInert(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"Nguyễn Văn An":      "Nguyễn Văn An",
		"=1+1":               "'=1+1",
		"+cmd|calc":          "'+cmd|calc",
		"-2":                 "'-2",
		"@SUM(A1)":           "'@SUM(A1)",
		"\tx":                "'\tx",
		"\rx":                "'\rx",
		"0912 345 678":       "0912 345 678",
		"Ấp 3 = nhà văn hóa": "Ấp 3 = nhà văn hóa",
	} {
		if got := Inert(in); got != want {
			t.Errorf("Inert(%q) = %q, want %q", in, got, want)
		}
	}
}

// A rule file may name more criteria than fit one page: the sheet goes on
// to a second page rather than drawing past the bottom of the first.
func TestRatingPDF_longRulesTakeMorePages(t *testing.T) {
	pages := func(s *RatingSheet) int {
		t.Helper()
		pdf, err := RatingPDF(s)
		if err != nil {
			t.Fatal(err)
		}
		return len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(pdf, -1))
	}
	s := &RatingSheet{Org: "Đảng bộ xã Thử", Cell: "Chi bộ ấp Một", Title: "Xếp loại năm 2026", Sub: "Số liệu đến tháng 12/2026", Overall: "Chưa quyết định", Note: "chibo chỉ tổng hợp số liệu."}
	s.Criteria = []RatingBlock{{Label: "Chính trị tư tưởng", Lines: []string{"Tỷ lệ dự họp: 90% (≥ 85%): đạt"}, Decision: "Đạt"}}
	if n := pages(s); n != 1 {
		t.Fatalf("the default sheet takes %d pages", n)
	}
	s.Criteria = nil
	for i := range 8 {
		b := RatingBlock{Label: fmt.Sprintf("Tiêu chí %d", i+1), Decision: "Đạt"}
		for j := range 6 {
			b.Lines = append(b.Lines, fmt.Sprintf("Số liệu %d: 90%% (≥ 85%%): đạt", j+1))
		}
		s.Criteria = append(s.Criteria, b)
	}
	if n := pages(s); n < 2 {
		t.Fatalf("8 criteria of 6 figures on %d page", n)
	}
}
