# Seed corpora and input limits of the libFuzzer targets, shared by tools/run_fuzzers.sh (the
# smoke and `make fuzz` runs) and tools/fuzz_campaign.sh (the long runs). Sourced, not run:
#   source fuzz/seeds.sh; fuzz_prepare_corpus NAME DIR; fuzz_max_len NAME
# Seeds come from the shared data when present ($data: ../shared/data or $ABIS_DATA; see its
# interop/SOURCE.md), plus small inputs written here so that every target starts from valid
# examples without ../shared. The JPEG 2000 images below were made with OpenJPEG 2.5.0
# (lossless, tests/interop/jpeg2000_test_encoder.h), as were the two BDBs (ISO 19794-4/-5:2011).

# Largest input each target is given (libFuzzer -max_len). Image decoders get small inputs: they
# are slow under the sanitizers.
fuzz_max_len() {
  case "$1" in
    wsq_fuzzer) echo 16384 ;;
    jpeg2000_fuzzer) echo 20480 ;;
    mosip_json_fuzzer) echo 16384 ;;
    cbeff_xml_fuzzer|http_request_fuzzer) echo 65536 ;;
    *) echo 262144 ;;
  esac
}

# Directories of shared samples for a target ("" when none).
fuzz_shared_seed_dirs() {
  case "$1" in
    an2k_fuzzer) echo "$data/interop/ansi-nist" ;;
    wsq_fuzzer) echo "$data/interop/wsq" ;;
    iso_template_fuzzer|ansi_template_fuzzer) echo "$data/interop/templates" ;;
    mosip_json_fuzzer) echo "$data/interop/mosip/abis_messages" ;;
    *) echo "" ;;
  esac
}

# Writes the bytes of a hex string (whitespace ignored) to a file.
fuzz_hex_seed() {
  local hex
  hex="$(printf '%s' "$2" | tr -d ' \n')"
  printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')" >"$1"
}

# Lossless JPEG 2000: JP2 files of an 8x8 grey and a 6x5 RGB image; J2K codestreams of 8x8 and 2x3 grey.
FUZZ_GREY8X8_JP2='
0000000c6a5020200d0a870a00000014667479706a703220000000006a7032200000002d6a70326800000016696864720000
0008000000080001070700000000000f636f6c7201000000000011000000e36a703263ff4fff510029000000000008000000
080000000000000000000000080000000800000000000000000001070101ff52000c00000001000304040001ff5c000d4040
484850484850484850ff640025000143726561746564206279204f70656e4a5045472076657273696f6e20322e352e30ff90
000a0000000000680001ff93c1f202083fc3ea0187d4053f302003007f06efcfc01a7e00d1f803000e5417dcd6bf0c2bab21
7a3f0bcd657e9ab7cfc03a7e0193f30a21c342f8ed1e449af3696eae8335011393cc5a50900fca6f990724bc7e94cae8e614
531fffd9
'
FUZZ_RGB6X5_JP2='
0000000c6a5020200d0a870a00000014667479706a703220000000006a7032200000002d6a70326800000016696864720000
0005000000060003070700000000000f636f6c7201000000000010000001296a703263ff4fff51002f000000000006000000
050000000000000000000000060000000500000000000000000003070101070101070101ff52000c00000001000204040001
ff5c000a4040484850484850ff640025000143726561746564206279204f70656e4a5045472076657273696f6e20322e352e
30ff90000a0000000000ab0001ff93c7d40a0570ef197fc7d4080012813fc7d40a09d84fb64fc7da071f681c1f500802df0f
09cb6f04c3ea0387d4050fb40809f37f02cb027fc3ea038fb40a3f001005a7af012f07cfc0263ed049f982800e98473a3b03
a8eb4703adbdd7118eda407fcfc02a7e00f1f80280004d8aa85fa14dc9312b04d78d0c8bff7f0b9fc54c7fcfc02e3ed058fc
01001033375606859c39f87c7f0bf5edb9e7003ccde7ffd9
'
FUZZ_GREY8X8_J2K='
ff4fff510029000000000008000000080000000000000000000000080000000800000000000000000001070101ff52000c00
000001000304040001ff5c000d4040484850484850484850ff640025000143726561746564206279204f70656e4a50454720
76657273696f6e20322e352e30ff90000a0000000000680001ff93c1f202083fc3ea0187d4053f302003007f06efcfc01a7e
00d1f803000e5417dcd6bf0c2bab217a3f0bcd657e9ab7cfc03a7e0193f30a21c342f8ed1e449af3696eae8335011393cc5a
50900fca6f990724bc7e94cae8e614531fffd9
'
FUZZ_GREY2X3_J2K='
ff4fff510029000000000002000000030000000000000000000000020000000300000000000000000001070101ff52000c00
000001000104040001ff5c00074040484850ff640025000143726561746564206279204f70656e4a5045472076657273696f
6e20322e352e30ff90000a0000000000150001ff93cfb40c02659f80ffd9
'
# URL-safe base64 of an ISO 19794-4:2011 finger record (right index, 2x3 JP2) and of an
# ISO 19794-5:2011 face record (JPEG 2000 lossless, 2x3), as MOSIP writes BDBs.
FUZZ_FINGER_BDB='RklSADAyMAAAAAEVAAEAAQAAAQUH6AURCh4AAAAAAAAAAAFNAEAADwIBAQH0AfQB9AH0CAUAAAIAAwAAANcAAAAMalAgIA0KhwoAAAAUZnR5cGpwMiAAAAAAanAyIAAAAC1qcDJoAAAAFmloZHIAAAADAAAAAgABBwcAAAAAAA9jb2xyAQAAAAAAEQAAAIpqcDJj_0__UQApAAAAAAACAAAAAwAAAAAAAAAAAAAAAgAAAAMAAAAAAAAAAAABBwEB_1IADAAAAAEAAQQEAAH_XAAHQEBISFD_ZAAlAAFDcmVhdGVkIGJ5IE9wZW5KUEVHIHZlcnNpb24gMi41LjD_kAAKAAAAAAAVAAH_k8-0DAJln4D_2Q'
FUZZ_FACE_BDB='RkFDADAzMAAAAAEbAAEAAAAAAAEKB-gFEQoeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAgACAAMAAAAAAAAAANcAAAAMalAgIA0KhwoAAAAUZnR5cGpwMiAAAAAAanAyIAAAAC1qcDJoAAAAFmloZHIAAAADAAAAAgABBwcAAAAAAA9jb2xyAQAAAAAAEQAAAIpqcDJj_0__UQApAAAAAAACAAAAAwAAAAAAAAAAAAAAAgAAAAMAAAAAAAAAAAABBwEB_1IADAAAAAEAAQQEAAH_XAAHQEBISFD_ZAAlAAFDcmVhdGVkIGJ5IE9wZW5KUEVHIHZlcnNpb24gMi41LjD_kAAKAAAAAAAVAAH_k8-0DAJln4D_2Q'

# A CBEFF document as MOSIP writes it, holding the given BIR elements.
fuzz_cbeff() {
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<BIR xmlns="http://standards.iso.org/iso-iec/19785/-3/ed-2/">\n'
  printf '<BIRInfo><Integrity>false</Integrity></BIRInfo>\n%s\n</BIR>\n' "$1"
}
fuzz_cbeff_bir() {  # TYPE SUBTYPE FORMAT_TYPE BDB
  printf '<BIR><Version><Major>1</Major><Minor>1</Minor></Version><CBEFFVersion><Major>1</Major><Minor>1</Minor></CBEFFVersion>'
  printf '<BIRInfo><Integrity>false</Integrity></BIRInfo><BDBInfo><Format><Organization>Mosip</Organization><Type>%s</Type></Format>' "$3"
  printf '<CreationDate>2022-01-28T22:36:17.448Z</CreationDate><Type>%s</Type><Subtype>%s</Subtype><Level>Raw</Level>' "$1" "$2"
  printf '<Purpose>Enroll</Purpose><Quality><Algorithm><Organization>HMAC</Organization><Type>SHA-256</Type></Algorithm>'
  printf '<Score>94</Score></Quality></BDBInfo><BDB>%s</BDB><SB>c2lnbg</SB>' "$4"
  printf '<others><entry key="EXCEPTION">false</entry><entry key="RETRIES">1</entry></others></BIR>'
}

# Small seeds of our own, for the targets whose inputs the shared data has few or none of.
fuzz_write_builtin_seeds() {
  local name="$1" dir="$2"
  case "$name" in
    http_request_fuzzer)
      printf '%s\n%s' 'purpose=criminal_investigation&caseRef=CASE-2026-17&top=10&fmr=1e-4' \
        '{"biometricData":[{"biometricType":"FINGER","biometricSubType":"RIGHT_INDEX","image":"AAECAw==","compression":"WSQ"},{"biometricType":"FACE","image":"/9j/4AAQ"}],"filter":{"biometricType":["FINGER","FACE"]}}' \
        >"$dir/identify.txt"
      printf '%s\n%s' 'personId=P-0001&encounterId=E-1' \
        '{"encounterType":"enrollment","biographicData":{"firstName":"Ana","lastName":"Diaz","dateOfBirth":"1990-02-28","gender":"F"},"contextualData":{"legalBasis":"Civil Register Act s.12","retentionUntil":"2040-01-01","category":"citizen","sourceAgency":"Registry"},"biometricData":[{"biometricType":"DNA","image":"bG9jdXMsYWxsZWxl","metadata":"csv"}]}' \
        >"$dir/encounter.txt"
      printf '%s\n%s' 'purpose=identity_verification&caseRef=C%2D9&personId=%E2%80%AEexe.1-P' \
        '{"biometricData1":[{"biometricType":"FACE","image":"AAAA"}],"biometricData2":[{"biometricType":"FACE","image":"AAA"}]}' \
        >"$dir/verify.txt"
      printf '%s\n%s' 'caseRef=%ff%fe&personId=+a++b+&x=%u202E%uD800' \
        '{"biometricData":[{"biometricType":"FINGER\u00ff","biometricSubType":1e999,"image":"AA=="}],"contextualData":{"a":[[[[{}]]]]}}' \
        >"$dir/hostile.txt"
      printf '\n{"biometricData":[{"biometricType":"FINGER\xff\xfe","image":"AA=="}]}' >"$dir/invalid_utf8.txt"
      printf '%s\n%s' 'decision=confirmed' '{"decision":"confirmed","comment":"same person \u2028 \ud83d\ude00"}' >"$dir/review.txt"
      ;;
    cbeff_xml_fuzzer)
      fuzz_cbeff "$(fuzz_cbeff_bir Finger 'Right IndexFinger' 7 "$FUZZ_FINGER_BDB")$(fuzz_cbeff_bir Face '' 8 "$FUZZ_FACE_BDB")" \
        >"$dir/finger_face.xml"
      fuzz_cbeff "$(fuzz_cbeff_bir Iris Left 9 'AAAA')$(fuzz_cbeff_bir Finger 'Left Thumb' 7 'RklSADAy')<Others><Key>CONFIGURED</Key><Value>leftEye</Value></Others>" \
        >"$dir/iris_truncated.xml"
      printf '%s' '<?xml version="1.0"?><!DOCTYPE BIR [<!ENTITY x SYSTEM "file:///etc/passwd">]><BIR xmlns="http://standards.iso.org/iso-iec/19785/-3/ed-2/"><BIR><BIR><BDBInfo><Type>Face</Type></BDBInfo><BDB>&x;</BDB></BIR></BIR></BIR>' \
        >"$dir/entity_nested.xml"
      ;;
    jpeg2000_fuzzer)
      fuzz_hex_seed "$dir/grey8x8.jp2" "$FUZZ_GREY8X8_JP2"
      fuzz_hex_seed "$dir/rgb6x5.jp2" "$FUZZ_RGB6X5_JP2"
      fuzz_hex_seed "$dir/grey8x8.j2k" "$FUZZ_GREY8X8_J2K"
      fuzz_hex_seed "$dir/grey2x3.j2k" "$FUZZ_GREY2X3_J2K"
      ;;
    mosip_json_fuzzer)
      printf '%s' '{"id":"mosip.abis.identify","version":"1.1","requestId":"01234567-89AB-CDEF-0123-456789ABCDEF","requesttime":"2020-03-29T07:01:24.692Z","referenceId":"987654321-89AB-CDEF-0123-456789ABCDEF","referenceURL":"","flags":{"maxResults":"10","targetFPIR":30,"flag1":"value1","flag2":{"a":[1,2.5,null,true]}},"gallery":{"referenceIds":[{"referenceId":"r1"},{"referenceId":"r2"}]}}' \
        >"$dir/identify_request.json"
      printf '%s' '{"id":"mosip.abis.insert","version":"1.1","requestId":"r-1","requesttime":"2024-02-29T23:59:59Z","referenceId":"ref-1","referenceURL":"https://datashare/ref-1"}' \
        >"$dir/insert_request.json"
      printf '%s' '{"id":"mosip.abis.identify","requestId":"r-2","responsetime":"2020-03-29T07:01:24.692Z","returnValue":"1","candidateList":{"count":"1","candidates":[{"referenceId":"c1","analytics":{"confidence":"90"},"modalities":[{"biometricType":"FIR","analytics":{"internalScore":"12"}}]}],"analytics":{}}}' \
        >"$dir/identify_response.json"
      printf '%s' '{"id":"mosip.id.identify","requestId":"r-3","responsetime":"2020-03-29T07:01:24.692Z","returnValue":2,"failureReason":"7"}' \
        >"$dir/identify_failure_typo.json"
      printf '%s' '{"id":"mosip.abis.pendingJobs","requestId":"r-4","responsetime":"2020-03-29T07:01:24.692Z","returnValue":"1","jobscount":"3"}' \
        >"$dir/pending_jobs_response.json"
      ;;
  esac
}

# Fills DIR with the seeds of target NAME: shared samples up to its max_len (copied: libFuzzer
# writes new inputs into its corpus), derived ones, then the built-in ones. Prints what it used.
fuzz_prepare_corpus() {
  local name="$1" dir="$2" max_len seeds mosip_xml b64 i=0
  max_len="$(fuzz_max_len "$name")"
  mkdir -p "$dir"
  seeds="$(fuzz_shared_seed_dirs "$name")"
  if [ -n "$seeds" ] && [ -d "$seeds" ]; then
    find "$seeds" -maxdepth 1 -type f -size -"$max_len"c -exec cp {} "$dir/" \;
  fi
  mosip_xml="$data/interop/mosip/mosip_docs_individualBiometrics_bio_CBEFF.xml"
  if [ -f "$mosip_xml" ]; then
    case "$name" in
      cbeff_xml_fuzzer)  # the MOSIP sample with each BDB cut to 128 characters (17 KB instead of 750)
        sed -E -e 's#<BDB>([A-Za-z0-9_=-]{128})[^<]*</BDB>#<BDB>\1</BDB>#' -e 's#<SB>[^<]*</SB>#<SB>c2lnbg</SB>#' \
          -e 's#(<entry key="PAYLOAD">)[^<]*(</entry>)#\1{}\2#' "$mosip_xml" >"$dir/mosip_docs_cbeff_cut.xml"
        ;;
      jpeg2000_fuzzer)  # the JP2 images inside the sample's ISO 19794-4/-5 BDBs
        while IFS= read -r b64; do
          i=$((i + 1))
          b64="$(printf '%s' "$b64" | tr -- '-_' '+/')"
          while [ $((${#b64} % 4)) -ne 0 ]; do b64="$b64="; done
          printf '%s' "$b64" | base64 -d >"$dir/.bdb" 2>/dev/null || continue
          local offset
          offset="$(LC_ALL=C grep -obUa 'jP  ' "$dir/.bdb" | head -1 | cut -d: -f1 || true)"
          if [ -n "$offset" ] && [ "$offset" -ge 4 ]; then
            tail -c +"$((offset - 3))" "$dir/.bdb" >"$dir/mosip_bdb$i.jp2"
            [ "$(wc -c <"$dir/mosip_bdb$i.jp2")" -le "$max_len" ] || rm -f "$dir/mosip_bdb$i.jp2"
          fi
        done < <(sed -n 's/.*<BDB>\([^<]*\)<\/BDB>.*/\1/p' "$mosip_xml")
        rm -f "$dir/.bdb"
        ;;
    esac
  fi
  fuzz_write_builtin_seeds "$name" "$dir"
}
