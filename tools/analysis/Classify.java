import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.*;
import java.io.*;
import java.util.*;
// Prints, for every code point from 0x80, how Lucene's StandardTokenizer treats it, as one class name.
public class Classify {
  static StandardTokenizer t = new StandardTokenizer();
  static CharTermAttribute term = t.addAttribute(CharTermAttribute.class);
  static TypeAttribute type = t.addAttribute(TypeAttribute.class);
  static List<String> toks = new ArrayList<>(), types = new ArrayList<>();
  static void tok(String s) throws IOException {
    toks.clear(); types.clear();
    t.setReader(new StringReader(s)); t.reset();
    while (t.incrementToken()) { toks.add(term.toString()); types.add(type.type()); }
    t.end(); t.close();
  }
  static boolean one(String s) throws IOException { tok(s); return toks.size() == 1 && toks.get(0).equals(s); }
  public static void main(String[] a) throws Exception {
    PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, "UTF-8")));
    String hebrew = "\u05D0";
    for (int cp = 0x80; cp <= 0x10FFFF; cp++) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      String c = new String(Character.toChars(cp));
      tok(c);
      String t0 = toks.size() == 1 && toks.get(0).equals(c) ? types.get(0) : (toks.isEmpty() ? "-" : "?");
      boolean aX = one("a" + c), aXa = one("a" + c + "a"), nXn = one("1" + c + "1"), Xa = one(c + "a");
      String cls;
      switch (t0) {
        case "<ALPHANUM>":
          cls = one(c + "'") ? "hebrewLetter" : "letter";
          break;
        case "<NUM>": cls = "numeric"; break;
        case "<IDEOGRAPHIC>": cls = aX ? "?ideo" : "han"; break;
        case "<HIRAGANA>": cls = aX ? "?hira" : "hiragana"; break;
        case "<KATAKANA>": cls = aX ? "?kata" : "katakana"; break;
        case "<HANGUL>": cls = "letter"; break;
        case "<SOUTHEAST_ASIAN>": cls = aX ? "complexContextExtend" : "complexContext"; break;
        case "<EMOJI>": cls = aX ? (aXa ? (Xa ? "letterEmoji" : "emojiModifier") : "?emo") : "emoji"; break;
        case "-":
          if (aX && aXa && Xa) cls = "extendNumLet";
          else if (aX && aXa) cls = "extend";
          else if (aXa && nXn) cls = one(hebrew + c) ? "singleQuote" : "midNumLet";
          else if (aXa) cls = "midLetter";
          else if (nXn) cls = "midNum";
          else if (one(hebrew + c + hebrew)) cls = "doubleQuote";
          else cls = "other";
          break;
        default: cls = "?" + t0;
      }
      out.println(Integer.toHexString(cp) + "\t" + cls + "\t" + t0 + (aX ? " aX" : "") + (aXa ? " aXa" : "") + (nXn ? " nXn" : "") + (Xa ? " Xa" : ""));
    }
    out.flush();
  }
}
