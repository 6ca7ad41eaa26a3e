package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"chibo/storage"
)

// chibo runs Main in-process with the given environment and input.
func chibo(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

var linkRE = regexp.MustCompile(`^https://t\.me/chibo_demo_bot\?start=([A-Za-z0-9_-]{22})$`)

func TestDemo_scriptedInviteAndRegistration(t *testing.T) {
	env := map[string]string{"CHIBO_DB": filepath.Join(t.TempDir(), "demo.db")}
	// In the day: at night the secretary's news of the registration would
	// wait for the end of the quiet hours.
	zone, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	day := time.Now().In(zone).AddDate(0, 0, 1).Format("02/01/2006")
	script := strings.Join([]string{
		"/clock " + day + " 09:00",
		"/invite",
		"/as Hoàng Văn Em",
		"/tap",
		"1", // the name is right
		"1", // consent
		"1", // Tiếng Việt
		"/me",
		"/as An",
		"/members",
		"/quit",
	}, "\n")
	code, out, errs := chibo(t, env, script)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"Đường dẫn mời vào Chi bộ ấp Phú Hòa",
		"Đăng ký thành công. Chào đồng chí Hoàng Văn Em",
		"Đồng chí Hoàng Văn Em đã đăng ký vào Chi bộ ấp Phú Hòa.",
		"Thông tin trợ lý chibo lưu về đồng chí Hoàng Văn Em:",
		"Tình trạng sinh hoạt: đang sinh hoạt",
		"7. Hoàng Văn Em – đang sinh hoạt",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	// State persists: a second run knows the new member.
	_, out, _ = chibo(t, env, "/as Em\n/me\n")
	if !strings.Contains(out, "Thông tin trợ lý chibo lưu về đồng chí Hoàng Văn Em:") {
		t.Errorf("second run forgot the member:\n%s", out)
	}
}

func TestAdmin_createAndInvite(t *testing.T) {
	env := map[string]string{"CHIBO_DB": filepath.Join(t.TempDir(), "chibo.db"), "CHIBO_BOT_USERNAME": "chibo_demo_bot"}
	if code, out, errs := chibo(t, env, "", "admin", "create-org", "Đảng bộ xã Tân Phú"); code != 0 || !strings.Contains(out, "1: Đảng bộ xã Tân Phú") {
		t.Fatalf("create-org: %d %q %q", code, out, errs)
	}
	if code, out, errs := chibo(t, env, "", "admin", "create-cell", "--org", "1", "Chi bộ ấp 3"); code != 0 || !strings.Contains(out, "1: Chi bộ ấp 3") {
		t.Fatalf("create-cell: %d %q %q", code, out, errs)
	}
	code, out, errs := chibo(t, env, "", "admin", "invite", "--cell", "1")
	if code != 0 {
		t.Fatalf("invite: %d %q", code, errs)
	}
	// The role is named in the operator's language, not by its code.
	if !strings.Contains(out, "với vai trò bí thư,") {
		t.Errorf("invite names the role by its code: %q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	m := linkRE.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("last line is not an invite link: %q", out)
	}
	// The secretary opens the link (pasted in the console) and registers.
	_, out, _ = chibo(t, env, "/as Trần Văn Sáu\n"+lines[len(lines)-1]+"\n1\n1\n1\n/help\n")
	if !strings.Contains(out, "bí thư Chi bộ ấp 3") || !strings.Contains(out, "/invite") {
		t.Fatalf("secretary registration:\n%s", out)
	}
	// An organization admin is invited by organization, not by cell.
	code, out, errs = chibo(t, env, "", "admin", "invite", "--org", "1", "--role", "admin")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || linkRE.FindString(lines[len(lines)-1]) == "" || !strings.Contains(out, "Đảng bộ xã Tân Phú") {
		t.Fatalf("admin invite: %d %q %q", code, out, errs)
	}
	if code, _, _ := chibo(t, env, "", "admin", "invite", "--role", "admin"); code != 2 {
		t.Fatalf("an admin invite without --org: exit %d", code)
	}
	if code, _, errs := chibo(t, env, "", "admin", "create-cell", "--org", "9", "X"); code == 0 || !strings.Contains(errs, "Lỗi") {
		t.Fatalf("a cell in a missing organization: %d %q", code, errs)
	}
	if code, _, errs := chibo(t, env, "", "admin", "invite", "--cell", "1", "--role", "king"); code != 2 || !strings.Contains(errs, "Cách dùng") {
		t.Fatalf("bad role: %d %q", code, errs)
	}
}

func TestMain_lockedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	code, _, errs := chibo(t, map[string]string{"CHIBO_DB": path}, "", "admin", "list")
	if code != 1 || !strings.Contains(errs, "đang được một tiến trình chibo khác sử dụng") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func TestMain_helpVersionAndBadConfig(t *testing.T) {
	code, _, errs := chibo(t, nil, "", "--help")
	if code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, env := range []string{"CHIBO_DB", "TELEGRAM_BOT_TOKEN", "CHIBO_TELEGRAM_API", "CHIBO_TZ", "CHIBO_LANG", "CHIBO_WEBHOOK_URL", "CHIBO_WEBHOOK_SECRET"} {
		if !strings.Contains(errs, env) {
			t.Errorf("--help does not name %s", env)
		}
	}
	// Defaults in the chosen language (issue 12), never the flag package's English.
	if !strings.Contains(errs, "(mặc định: 1825)") || strings.Contains(errs, "default") || strings.Contains(errs, " int\n") {
		t.Errorf("--help defaults:\n%s", errs)
	}
	if _, _, errs := chibo(t, map[string]string{"CHIBO_LANG": "en"}, "", "--help"); !strings.Contains(errs, "(default: 1825)") {
		t.Errorf("--help in English:\n%s", errs)
	}
	if code, out, _ := chibo(t, nil, "", "version"); code != 0 || !strings.HasPrefix(out, "chibo ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errs := chibo(t, map[string]string{"CHIBO_TZ": "Mars/Olympus"}, "", "version"); code != 2 || !strings.Contains(errs, "CHIBO_TZ") {
		t.Fatalf("bad zone: %d %q", code, errs)
	}
	if code, _, errs := chibo(t, map[string]string{"CHIBO_LANG": "en"}, "", "--lang", "fr"); code != 2 || !strings.Contains(errs, "Error") {
		t.Fatalf("bad lang: %d %q", code, errs)
	}
}

// A setting the operator got wrong is named, with what is wrong with it,
// in the operator's language (Vietnamese by default), and chibo does not
// start.
func TestMain_badSettingsSaySoInWords(t *testing.T) {
	for _, c := range []struct {
		env    map[string]string
		vi, en string
	}{
		{map[string]string{"CHIBO_RATE": "30/s"}, `Lỗi: CHIBO_RATE "30/s" không phải là số.`, `Error: CHIBO_RATE "30/s" is not a number.`},
		{map[string]string{"CHIBO_RATE": "NaN"}, `Lỗi: CHIBO_RATE "NaN" không phải là số.`, `Error: CHIBO_RATE "NaN" is not a number.`},
		{map[string]string{"CHIBO_ZALO_RATE": "1e999"}, `Lỗi: CHIBO_ZALO_RATE "1e999" quá lớn.`, `Error: CHIBO_ZALO_RATE "1e999" is too large.`},
		{map[string]string{"CHIBO_INVITE_DAYS": "hai tuần"}, `Lỗi: CHIBO_INVITE_DAYS "hai tuần" không phải là số nguyên.`, `Error: CHIBO_INVITE_DAYS "hai tuần" is not a whole number.`},
		{map[string]string{"CHIBO_CONV_HOURS": "1.5"}, `Lỗi: CHIBO_CONV_HOURS "1.5" không phải là số nguyên.`, `Error: CHIBO_CONV_HOURS "1.5" is not a whole number.`},
		{map[string]string{"CHIBO_AUDIT_DAYS": "0"}, "Lỗi: CHIBO_AUDIT_DAYS (--audit-days) phải lớn hơn 0.", "Error: CHIBO_AUDIT_DAYS (--audit-days) must be above 0."},
		{map[string]string{"CHIBO_ZALO_POLLERS": "64"}, "Lỗi: CHIBO_ZALO_POLLERS (--zalo-pollers) phải từ 1 đến 32.", "Error: CHIBO_ZALO_POLLERS (--zalo-pollers) must be from 1 to 32."},
		{map[string]string{"CHIBO_LOG_FORMAT": "xml"}, `Lỗi: CHIBO_LOG_FORMAT (--log-format) "xml" không hợp lệ: ghi text hoặc json.`, `Error: CHIBO_LOG_FORMAT (--log-format) "xml" is not valid: write text or json.`},
		{map[string]string{"CHIBO_CHAT_INTERVAL": "một giây"}, `Lỗi: CHIBO_CHAT_INTERVAL (--chat-interval) "một giây" không hợp lệ`, `Error: CHIBO_CHAT_INTERVAL (--chat-interval) "một giây" is not valid`},
		{map[string]string{"CHIBO_WEBHOOK_URL": "https://chibo.example/tg"}, "Lỗi: Khi dùng CHIBO_WEBHOOK_URL cần đặt CHIBO_WEBHOOK_SECRET.", "Error: CHIBO_WEBHOOK_SECRET is required with CHIBO_WEBHOOK_URL."},
		{map[string]string{"CHIBO_PUBLIC_URL": "chibo.example"}, "Lỗi: CHIBO_PUBLIC_URL phải là địa chỉ bắt đầu bằng http:// hoặc https://.", "Error: CHIBO_PUBLIC_URL must be an address starting with http:// or https://."},
	} {
		for _, lang := range []string{"", "en"} {
			env := map[string]string{"CHIBO_LANG": lang}
			for k, v := range c.env {
				env[k] = v
			}
			want := c.vi
			if lang == "en" {
				want = c.en
			}
			if code, _, errs := chibo(t, env, "", "version"); code != 2 || !strings.HasPrefix(errs, want) {
				t.Errorf("%v: exit %d, %q; want 2, %q", env, code, errs, want)
			}
		}
	}
	// A wrong command line is said in words too, never in the flag
	// package's English, and without the whole usage in front of it.
	for _, c := range []struct {
		args   []string
		vi, en string
	}{
		{[]string{"--rate", "abc"}, `Lỗi: Giá trị "abc" của --rate không hợp lệ; xem chibo --help.`, `Error: "abc" is not a valid value for --rate; see chibo --help.`},
		{[]string{"--nope"}, "Lỗi: Không có tùy chọn --nope; xem chibo --help.", "Error: There is no option --nope; see chibo --help."},
		{[]string{"--db"}, "Lỗi: Tùy chọn --db cần có giá trị.", "Error: The option --db needs a value."},
	} {
		for _, lang := range []string{"", "en"} {
			want := c.vi
			if lang == "en" {
				want = c.en
			}
			if code, _, errs := chibo(t, map[string]string{"CHIBO_LANG": lang}, "", c.args...); code != 2 || strings.TrimSpace(errs) != want {
				t.Errorf("%v (CHIBO_LANG=%q): exit %d, %q; want 2, %q", c.args, lang, code, errs, want)
			}
		}
	}
	// A flag wins over its variable, a wrong one too; a wrong flag value
	// is refused like its variable's.
	bad := map[string]string{"CHIBO_RATE": "30/s"}
	if code, _, errs := chibo(t, bad, "", "--rate", "10", "version"); code != 0 {
		t.Errorf("--rate 10 over CHIBO_RATE=30/s: exit %d, %q", code, errs)
	}
	if code, _, errs := chibo(t, nil, "", "--rate", "NaN", "version"); code != 2 || !strings.HasPrefix(errs, "Lỗi: CHIBO_RATE (--rate) phải lớn hơn 0.") {
		t.Errorf("--rate NaN: exit %d, %q", code, errs)
	}
}

// TestDemo_killedMidRegistrationResumes runs the built binary, kills it with
// SIGKILL in the middle of registration and starts it again.
func TestDemo_killedMidRegistrationResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "chibo")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "demo.db")
	start := func() (*exec.Cmd, io.WriteCloser, *lines) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "CHIBO_DB="+db, "TELEGRAM_BOT_TOKEN=")
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, in, readLines(out)
	}
	cmd, in, out := start()
	io.WriteString(in, "/invite\n/as Hoàng Văn Em\n/tap\n1\n")
	out.waitFor(t, "Đồng chí có đồng ý không?")
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup at all
		t.Fatal(err)
	}
	cmd.Wait()

	cmd, in, out = start()
	defer cmd.Process.Kill()
	io.WriteString(in, "/as Hoàng Văn Em\n1\n")
	out.waitFor(t, "Đồng chí muốn nhận tin nhắn bằng ngôn ngữ nào?")
	io.WriteString(in, "2\n/me\n")
	out.waitFor(t, "What chibo stores about comrade Hoàng Văn Em:")
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

// lines collects a process's output lines as they come.
type lines struct{ ch chan string }

func readLines(r io.Reader) *lines {
	l := &lines{ch: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.ch <- sc.Text()
		}
		close(l.ch)
	}()
	return l
}

func (l *lines) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	var seen []string
	for {
		select {
		case line, ok := <-l.ch:
			if !ok {
				t.Fatalf("output ended before %q:\n%s", want, strings.Join(seen, "\n"))
			}
			seen = append(seen, line)
			if strings.Contains(line, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no %q within 20s:\n%s", want, strings.Join(seen, "\n"))
		}
	}
}

// The usage text (printed on -h, so it may reach a log) and the error of a
// bad flag do not show the secrets the environment set as flag defaults.
func TestUsage_hidesSecrets(t *testing.T) {
	env := map[string]string{"TELEGRAM_BOT_TOKEN": "123:SECRETTOKEN", "CHIBO_WEBHOOK_SECRET": "whsecret-value",
		"ZALO_BOT_TOKEN": "zalo-secret-token", "CHIBO_ZALO_WEBHOOK_SECRET": "zalo-webhook-secret-value", "CHIBO_DB": filepath.Join(t.TempDir(), "x.db")}
	code, out, errs := chibo(t, env, "", "-h")
	if code != 0 || !strings.Contains(out+errs, "-token") {
		t.Fatalf("-h: exit %d, no usage text:\n%s%s", code, out, errs)
	}
	bad, badOut, badErrs := chibo(t, env, "", "--bogus")
	if bad == 0 {
		t.Fatal("a bad flag was accepted")
	}
	for _, secret := range []string{"SECRETTOKEN", "whsecret-value", "zalo-secret-token", "zalo-webhook-secret-value"} {
		if strings.Contains(out+errs+badOut+badErrs, secret) {
			t.Errorf("the usage text or the error shows %q", secret)
		}
	}
}
