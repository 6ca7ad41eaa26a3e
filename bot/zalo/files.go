package zalo

import (
	"strings"
	"time"

	"chibo/bot/filelink"
	"chibo/flows/chat"
	"chibo/locales"
	"chibo/storage"
)

// FileNotes implements Links: a picture or file goes as a signed, expiring
// link (Files), with a line in the recipient's language saying what it is
// and until when; without Files, the line says where to get the file.
type FileNotes struct {
	DB      *storage.DB
	Catalog *locales.Catalog
	Files   *filelink.Store // nil: chibo has no public URL
	Lang    string          // for people chibo does not know yet
	Zone    *time.Location
}

// Publish implements Links.
func (n FileNotes) Publish(chatID string, d *chat.Document) (string, string, error) {
	lang := n.Lang
	_ = n.DB.View(func(tx *storage.Tx) error {
		if m, err := tx.MemberByContact(Name, chatID); err == nil && m.Lang != "" {
			lang = m.Lang
		}
		return nil
	})
	if n.Files == nil {
		return n.Catalog.T(lang, "zalo.file_elsewhere", "Name", d.Name), "", nil
	}
	link, until, err := n.Files.Publish(d)
	if err != nil {
		return "", "", err
	}
	id, photo := "zalo.file_link", ""
	if strings.HasPrefix(d.MIME, "image/") {
		id, photo = "zalo.picture_link", link
	}
	return n.Catalog.T(lang, id, "Name", d.Name, "Link", link, "Until", until.In(n.Zone).Format("15:04 02/01/2006")), photo, nil
}
