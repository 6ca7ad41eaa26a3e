package export

import (
	_ "embed"
	"fmt"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	pfont "gonum.org/v1/plot/font"
)

// The charts and the PDF use DejaVu Sans (Bitstream Vera licence, see
// fonts/LICENSE), embedded so that a bare server draws every Vietnamese
// letter: the Go fonts lack most of them (ạ, ầ, ơ, ư …).
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// typeface is the name the charts' font cache knows the font by.
const typeface = "DejaVuSans"

// fontCache parses the embedded fonts once; the cache is read-only after.
var fontCache = sync.OnceValues(func() (*pfont.Cache, error) {
	reg, err := opentype.Parse(fontRegular)
	if err != nil {
		return nil, fmt.Errorf("export: regular font: %w", err)
	}
	bold, err := opentype.Parse(fontBold)
	if err != nil {
		return nil, fmt.Errorf("export: bold font: %w", err)
	}
	return pfont.NewCache(pfont.Collection{
		{Font: pfont.Font{Typeface: typeface}, Face: reg},
		{Font: pfont.Font{Typeface: typeface, Weight: font.WeightBold}, Face: bold},
	}), nil
})
