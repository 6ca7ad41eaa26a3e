package locales_test

import (
	"regexp"
	"sort"
	"testing"
)

// bannedVi are forms no Vietnamese message may use (issue 12; DOMAIN.md §1
// and §3), each with the form to use instead.
var bannedVi = []struct {
	re   *regexp.Regexp
	want string
}{
	// Since 1/7/2025 there is no district level; Bình Dương is part of TP. Hồ
	// Chí Minh. Places are xã/phường + tỉnh/thành phố.
	{regexp.MustCompile(`(?i)huyện|quận\b|\bquận`), "xã/phường, tỉnh/thành phố (không còn cấp huyện)"},
	{regexp.MustCompile(`Bình Dương|Thuận An|Tiền Giang`), "a place on today's map, e.g. phường Dĩ An, TP. Hồ Chí Minh"},
	// The group leader is the leader of a party group.
	{regexp.MustCompile(`(?i)tổ trưởng(\s*$|[^ ]| [^t]| t[^ổ]| tổ [^đd])`), "tổ trưởng tổ đảng"},
	// Keeping in touch with the residence cell is not a transfer.
	{regexp.MustCompile(`(?i)đăng ký sinh hoạt`), "giữ mối liên hệ với chi bộ nơi cư trú"},
	{regexp.MustCompile(`(?i)chỉ cần xác nhận`), "the cell committee considers and decides"},
	// A deputy may have acted.
	{regexp.MustCompile(`Bí thư \{\{\.By\}\}`), "Đồng chí {{.By}}"},
	{regexp.MustCompile(`(?i)họp chi bộ bất thường`), "Sinh hoạt chi bộ bất thường"},
	{regexp.MustCompile(`(?i)giờ yên lặng|giờ im lặng`), "khung giờ không gửi tin nhắn"},
	{regexp.MustCompile(`(?i)chuyển sinh hoạt (chính thức|tạm thời)`), "chuyển sinh hoạt đảng chính thức/tạm thời"},
	{regexp.MustCompile(`(?i)(^|[^1] )Điều 8|Điều 8[^ ]|Điều 8 [^Đ]`), "khoản 1 Điều 8 Điều lệ Đảng"},
	{regexp.MustCompile(`(?i)tất cả có mặt|(^|[^ả] |[^c]ả )người có mặt đã nộp`), "Tất cả người có mặt đã nộp đảng phí"},
	{regexp.MustCompile(`tạm miễn sinh hoạt, đi làm ăn xa`), "đi làm ăn xa (được tạm miễn sinh hoạt) only when granted"},
	// "chibo" reads as "chi bộ" without diacritics: it is "trợ lý chibo"
	// where it speaks of itself (command lines keep the program's name).
	{regexp.MustCompile(`(?i)(^|[^/ ]|[^ý/] )chibo\b`), "trợ lý chibo"},
}

// allowedChibo are commands and names where "chibo" is the program's name
// on a command line, not the assistant speaking.
var allowedChibo = regexp.MustCompile(`chibo (admin|export|version|backup|restore)|chibo_|chibo-|chibo\.db`)

// operatorMessage matches the ids of the command line's messages, read by
// the server's operator.
var operatorMessage = regexp.MustCompile(`^(cli[._]|flag\.)|\.cli_`)

func TestMessages_viUsesTodaysTerms(t *testing.T) {
	msgs := messages(t)["vi"]
	ids := make([]string, 0, len(msgs))
	for id := range msgs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, text := range msgs[id] {
			text = allowedChibo.ReplaceAllString(text, "")
			for i, b := range bannedVi {
				if i == len(bannedVi)-1 && operatorMessage.MatchString(id) {
					continue // the operator's command line names the program
				}
				if m := b.re.FindString(text); m != "" {
					t.Errorf("%s: %q – use %s:\n%s", id, m, b.want, text)
				}
			}
		}
	}
}
