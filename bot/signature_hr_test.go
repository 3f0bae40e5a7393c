package bot

import (
	"reflect"
	"testing"

	"crmbot/crm"
)

// Croatian e-mail signatures as they arrive (R2): titles around the name, feminine
// positions, greeting lines, Tel/Mob/Fax/T/M/E labels, company forms and OIB.
func TestParseSignatureCroatian(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  string
		want crm.NewInterest
	}{
		{"titles before and after", "Srdačan pozdrav,\n\nmr. sc. Tomislav Horvat, dipl. ing.\nDirektor prodaje\nKončar d.d.\nTel: +385 1 3655 555\nMob: +385 91 123 4567\ntomislav.horvat@koncar.hr",
			crm.NewInterest{ContactName: "Tomislav Horvat", Position: "Direktor prodaje (mr. sc., dipl. ing.)", CompanyName: "Končar d.d.", Phone: "+385 1 3655 555", Mobile: "+385 91 123 4567", Email: "tomislav.horvat@koncar.hr"}},
		{"feminine position, LP", "LP\nIvana Kovač\nVoditeljica nabave\nBrodogradilište Split d.d.\nT: +385 21 555 0101\nM: +385 98 765 4321\nE: ivana.kovac@bsplit.hr",
			crm.NewInterest{ContactName: "Ivana Kovač", Position: "Voditeljica nabave", CompanyName: "Brodogradilište Split d.d.", Phone: "+385 21 555 0101", Mobile: "+385 98 765 4321", Email: "ivana.kovac@bsplit.hr"}},
		{"OIB on the company line", "Lijep pozdrav,\nMarija Babić\nReferentica prodaje\nAgro-Plod d.o.o., OIB: 69435151530\nTel. 01/2345-678\nmarija@agroplod.hr\nwww.agroplod.hr",
			crm.NewInterest{ContactName: "Marija Babić", Position: "Referentica prodaje", CompanyName: "Agro-Plod d.o.o.", OIB: "69435151530", Phone: "01/2345-678", Email: "marija@agroplod.hr", Website: "www.agroplod.hr"}},
		{"OIB on its own line, fax skipped", "S poštovanjem,\nDr. sc. Ana Marić\nDirektorica\nMedika j.d.o.o.\nOIB 94577403194\nTel: 051 123 456\nFax: 051 123 457\nana.maric@medika.hr",
			crm.NewInterest{ContactName: "Ana Marić", Position: "Direktorica (Dr. sc.)", CompanyName: "Medika j.d.o.o.", OIB: "94577403194", Phone: "051 123 456", Email: "ana.maric@medika.hr"}},
		{"bad OIB is not a phone", "Pozdrav,\nPetar Novak\nVlasnik\nObrt Novak, OIB: 12345678901\nMob: 099 111 2222",
			crm.NewInterest{ContactName: "Petar Novak", CompanyName: "Obrt Novak", Mobile: "099 111 2222"}},
		{"prof. dr. sc.", "prof. dr. sc. Ivan Jurić\nPredsjednik uprave\nInfo-Sustavi d.d.\nT: +385 1 6000 100\nivan.juric@infosustavi.hr",
			crm.NewInterest{ContactName: "Ivan Jurić", Position: "Predsjednik uprave (prof. dr. sc.)", CompanyName: "Info-Sustavi d.d.", Phone: "+385 1 6000 100", Email: "ivan.juric@infosustavi.hr"}},
		{"mag. ing. after", "Lijepi pozdravi\nLuka Perić, mag. ing. el.\nInženjer prodaje\nElektro Perić k.d.\nMobitel: +385 95 222 3333\nluka@elektroperic.hr",
			crm.NewInterest{ContactName: "Luka Perić", Position: "Inženjer prodaje (mag. ing. el.)", CompanyName: "Elektro Perić k.d.", Mobile: "+385 95 222 3333", Email: "luka@elektroperic.hr"}},
		{"univ. spec. oec.", "Srdačni pozdravi,\nMartina Kolar, univ. spec. oec.\nMenadžerica ključnih kupaca\nPodravka d.d.\nTelefon: 048 651 144\nE-pošta: martina.kolar@podravka.hr",
			crm.NewInterest{ContactName: "Martina Kolar", Position: "Menadžerica ključnih kupaca (univ. spec. oec.)", CompanyName: "Podravka d.d.", Phone: "048 651 144", Email: "martina.kolar@podravka.hr"}},
		{"dipl. oec. without comma", "Hvala!\nJosip Jurišić dipl. oec.\nKomercijalist\nJurišić i sin j.t.d.\nM: 091 555 6666",
			crm.NewInterest{ContactName: "Josip Jurišić", Position: "Komercijalist (dipl. oec.)", CompanyName: "Jurišić i sin j.t.d.", Mobile: "091 555 6666"}},
		{"IBAN and MB not phones", "Srdačan pozdrav\nSanja Tomić\nVoditeljica računovodstva\nTomić Trade d.o.o.\nIBAN: HR1210010051863000160\nMB: 01234567\nTel: +385 1 234 5678",
			crm.NewInterest{ContactName: "Sanja Tomić", Position: "Voditeljica računovodstva", CompanyName: "Tomić Trade d.o.o.", Phone: "+385 1 234 5678"}},
		{"one line labels", "Goran Kos | Direktor | Kos Trade d.o.o. | T: +385 1 111 2222 | M: +385 92 333 4444 | goran@kostrade.hr",
			crm.NewInterest{ContactName: "Goran Kos", Position: "Direktor", CompanyName: "Kos Trade d.o.o.", Phone: "+385 1 111 2222", Mobile: "+385 92 333 4444", Email: "goran@kostrade.hr"}},
		{"address lines are not names", "S poštovanjem,\nMirela Horvat\nStručna suradnica za nabavu\nGrad Zagreb\nTrg Stjepana Radića 1\n10000 Zagreb\nmirela.horvat@zagreb.hr\n+385 1 610 1111",
			crm.NewInterest{ContactName: "Mirela Horvat", Position: "Stručna suradnica za nabavu", Phone: "+385 1 610 1111", Email: "mirela.horvat@zagreb.hr", CompanyName: "Grad Zagreb"}},
		{"mr. sc. feminine", "mr. sc. Vesna Pavić\nČlanica uprave\nHrvatska pošta d.d.\nT: 072 303 304\nvesna.pavic@posta.hr",
			crm.NewInterest{ContactName: "Vesna Pavić", Position: "Članica uprave (mr. sc.)", CompanyName: "Hrvatska pošta d.d.", Phone: "072 303 304", Email: "vesna.pavic@posta.hr"}},
		{"doc. dr. sc.", "Uz pozdrav,\ndoc. dr. sc. Marko Šimić\nSavjetnik uprave\nAkademija d.o.o.\nMob.: 098 123 456",
			crm.NewInterest{ContactName: "Marko Šimić", Position: "Savjetnik uprave (doc. dr. sc.)", CompanyName: "Akademija d.o.o.", Mobile: "098 123 456"}},
		{"Faks label skipped", "Lp,\nTena Barić\nKoordinatorica projekata\nBarić projekt d.o.o.\nTel: 021 300 400\nFaks: 021 300 401\ntena@baric.hr",
			crm.NewInterest{ContactName: "Tena Barić", Position: "Koordinatorica projekata", CompanyName: "Barić projekt d.o.o.", Phone: "021 300 400", Email: "tena@baric.hr"}},
		{"website gives the company", "Pozdrav\nNikola Vuković\nŠef prodaje\nnikola@vukovic-trade.hr\nwww.vukovic-trade.hr\nT: 031 200 300",
			crm.NewInterest{ContactName: "Nikola Vuković", Position: "Šef prodaje", CompanyName: "Vukovic-trade", Website: "www.vukovic-trade.hr", Email: "nikola@vukovic-trade.hr", Phone: "031 200 300"}},
		{"bacc. and OIB with HR prefix", "Lijep pozdrav\nPetra Grgić, bacc. oec.\nReferentica nabave\nGrgić obrt\nOIB: HR33392005961\nMob: 091 700 800",
			crm.NewInterest{ContactName: "Petra Grgić", Position: "Referentica nabave (bacc. oec.)", CompanyName: "Grgić obrt", OIB: "33392005961", Mobile: "091 700 800"}},
		{"review: titles, Tel, Mob and OIB lines", "Srdačan pozdrav,\nmr. sc. Tomislav Horvat, dipl. ing.\nVoditeljica nabave\nBrodogradnja Jadran d.o.o.\nTel: +385 21 555 010\nMob: 098 765 4321\ntomislav.horvat@jadran.hr\nOIB: 12345678903",
			crm.NewInterest{ContactName: "Tomislav Horvat", Position: "Voditeljica nabave (mr. sc., dipl. ing.)", CompanyName: "Brodogradnja Jadran d.o.o.", Phone: "+385 21 555 010", Mobile: "098 765 4321", Email: "tomislav.horvat@jadran.hr", OIB: "12345678903"}},
		{"OIB line without a Tel line", "Srdačan pozdrav,\nTomislav Horvat\nVoditelj nabave\nBrodogradnja Jadran d.o.o.\nOIB: 12345678903\ntomislav.horvat@jadran.hr",
			crm.NewInterest{ContactName: "Tomislav Horvat", Position: "Voditelj nabave", CompanyName: "Brodogradnja Jadran d.o.o.", Email: "tomislav.horvat@jadran.hr", OIB: "12345678903"}},
		{"OIB line first, Mob only", "Tomislav Horvat\nBrodogradnja Jadran d.o.o.\nOIB 12345678903\nMob: 098 765 4321",
			crm.NewInterest{ContactName: "Tomislav Horvat", CompanyName: "Brodogradnja Jadran d.o.o.", Mobile: "098 765 4321", OIB: "12345678903"}},
		{"bad OIB alone is not a phone", "Tomislav Horvat\nBrodogradnja Jadran d.o.o.\nOIB: 12345678901",
			crm.NewInterest{ContactName: "Tomislav Horvat", CompanyName: "Brodogradnja Jadran d.o.o."}},
		{"OIB. with dot and lower case", "Tomislav Horvat\nBrodogradnja Jadran d.o.o.\noib.: 12345678903\ntomislav.horvat@jadran.hr",
			crm.NewInterest{ContactName: "Tomislav Horvat", CompanyName: "Brodogradnja Jadran d.o.o.", Email: "tomislav.horvat@jadran.hr", OIB: "12345678903"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseSignature(tc.sig); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
