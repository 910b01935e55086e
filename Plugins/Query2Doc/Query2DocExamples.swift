// The project's own few-shot examples for query2doc, written for Quarry (none is drawn from MS MARCO,
// the DL19 pool or any evaluation collection). Kept identical to corpora/prompts/query2doc-examples.jsonl
// (a test checks), built in so that the binary works wherever it is copied.

public enum Query2DocExamples {
    public static let builtin: [Query2DocExample] = [
        Query2DocExample(
            query: "how long does it take to boil an egg",
            passage: "A soft-boiled egg with a runny yolk takes about six minutes once it is lowered into water that is already at a rolling boil; a medium egg with a jammy centre needs about eight minutes, and a hard-boiled egg with a firm, pale yellow yolk takes ten to twelve minutes. Eggs straight from the refrigerator need about a minute longer than eggs at room temperature. Cooling the eggs in iced water right after cooking stops the yolk from overcooking and turning grey-green, and makes the shells easier to peel."),
        Query2DocExample(
            query: "how do bees make honey",
            passage: "Honey bees make honey from flower nectar. A forager sucks nectar into its honey stomach, where enzymes such as invertase begin to split its sucrose into glucose and fructose. Back at the hive it passes the nectar to house bees, who chew and pass it on further before depositing it in wax cells. The bees then fan their wings over the open cells until the water content drops from about 70 percent to below 20 percent, which keeps the honey from fermenting, and finally seal each cell with a wax cap."),
        Query2DocExample(
            query: "who invented the printing press",
            passage: "Johannes Gutenberg, a goldsmith from Mainz in Germany, developed the movable-type printing press around 1440. His system combined metal type cast in a hand mould, an oil-based ink and a screw press adapted from those used to make wine, and it made the mass production of books possible in Europe. The Gutenberg Bible, printed in the 1450s, is the best-known book from his workshop. Movable type itself had been invented earlier in China by Bi Sheng, around 1040, using characters made of baked clay."),
        Query2DocExample(
            query: "symptoms of low iron",
            passage: "Iron deficiency develops slowly, so early symptoms are easy to miss. The most common signs are tiredness and lack of energy, shortness of breath during everyday activity, pale skin, a fast or irregular heartbeat, headaches and dizziness. Some people notice brittle nails, hair loss, cold hands and feet, a sore or smooth tongue, or cravings for ice or other non-food substances. A blood test of haemoglobin and ferritin confirms the diagnosis, and treatment is usually iron tablets together with a diet rich in iron."),
    ]
}
