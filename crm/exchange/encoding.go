package exchange

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"crmbot/crm"
)

// Encodings an import reads: a Croatian Excel saves "CSV" in Windows-1250, newer ones
// in UTF-8 with a byte-order mark.
const (
	EncodingAuto        = ""
	EncodingUTF8        = "utf-8"
	EncodingWindows1250 = "windows-1250"
)

// utf8BOM starts the UTF-8 files Excel writes, and those ExportCSV writes for it.
const utf8BOM = "\ufeff"

// decodeCSV returns the file as UTF-8 without a byte-order mark, and the separator
// its header line uses. With EncodingAuto, valid UTF-8 is UTF-8 and anything else is
// Windows-1250: the one other encoding a Croatian spreadsheet comes in, and one in
// which every byte is a character, so the guess never fails, and the dry run shows
// the names as read.
func decodeCSV(r io.Reader, enc string) ([]byte, rune, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, err
	}
	b = bytes.TrimPrefix(b, []byte(utf8BOM))
	switch strings.ToLower(strings.ReplaceAll(enc, "_", "-")) {
	case EncodingAuto:
		if !utf8.Valid(b) {
			if b, err = charmap.Windows1250.NewDecoder().Bytes(b); err != nil {
				return nil, 0, err
			}
		}
	case "utf-8", "utf8":
		if !utf8.Valid(b) {
			return nil, 0, crm.Errorf(crm.EINVALID, "err.bad_csv", "", "the file is not UTF-8: try --encoding windows-1250")
		}
	case "windows-1250", "cp1250", "win1250":
		if b, err = charmap.Windows1250.NewDecoder().Bytes(b); err != nil {
			return nil, 0, err
		}
	default:
		return nil, 0, crm.Errorf(crm.EINVALID, "err.bad_csv", "", fmt.Sprintf("encoding %q: use utf-8 or windows-1250", enc))
	}
	return b, sniffComma(b), nil
}

// sniffComma picks the separator of the header line: ';' (what Excel writes where
// the comma is the decimal mark, as in Croatia), a tab, or ','. Quoted text is not
// counted.
func sniffComma(b []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, c := range b {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		counts[c]++
	}
	switch {
	case counts[';'] > counts[','] && counts[';'] >= counts['\t']:
		return ';'
	case counts['\t'] > counts[','] && counts['\t'] > counts[';']:
		return '\t'
	}
	return ','
}
