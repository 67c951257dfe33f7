package io.kortexdl.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Runs a Zeppelin note ({@code .zpln}) as Zeppelin's Spark interpreter does: {@code %spark}
 * paragraphs through the Scala 2.13 interpreter (class-based wrappers, {@code spark} and
 * {@code sc} bound, {@code spark.implicits._} imported), fed line by line and accumulated while a
 * statement is incomplete; {@code %sql} paragraphs through {@code spark.sql}, their rows printed
 * tab-separated; {@code %md} paragraphs are prose and not run. The first error stops the note.
 */
final class ZeppelinNoteRunner {
    /** One paragraph: its title, interpreter, the code run and what it printed. */
    record Paragraph(String title, String interpreter, String code, String output) {
    }

    private static final Pattern MAGIC = Pattern.compile("^%(\\S+)\\s*\\n?");

    private ZeppelinNoteRunner() {
    }

    /**
     * Runs every paragraph of {@code note} against {@code spark}, whose
     * {@code spark.repl.class.outputDir} must be {@code classDir}.
     *
     * @param variables replaces the value of {@code val <name> = ...} in the note's first code
     *     paragraph (where notes keep their data paths) with the given Scala expression, such as a
     *     quoted temporary folder
     * @throws AssertionError naming the paragraph and its output on the first failure, or when a
     *     variable is not defined in the first code paragraph
     */
    static List<Paragraph> run(Path note, SparkSession spark, Path classDir, Map<String, String> variables)
            throws IOException {
        JsonNode json = new ObjectMapper().readTree(note.toFile());
        StringWriter replOutput = new StringWriter();
        Settings settings = new Settings();
        settings.processArgumentString("-usejavacp -Yrepl-class-based -Yrepl-outdir " + classDir);
        IMain repl = new IMain(settings, new ReplReporterImpl(settings, new PrintWriter(replOutput, true)));
        List<Paragraph> done = new ArrayList<>();
        try {
            repl.bind("spark", SparkSession.class.getName(), spark,
                    CollectionConverters.asScala(List.of("@transient")).toList());
            interpret(repl, replOutput, "@transient val sc = spark.sparkContext\nimport spark.implicits._", "(setup)");
            boolean variablesSet = false;
            for (JsonNode p : json.get("paragraphs")) {
                String text = p.path("text").asText("");
                Matcher magic = MAGIC.matcher(text);
                boolean hasMagic = magic.find();
                String interpreter = hasMagic ? magic.group(1) : json.path("defaultInterpreterGroup").asText("spark");
                String code = hasMagic ? text.substring(magic.end()) : text;
                String title = p.path("title").asText(p.path("id").asText());
                String output;
                switch (interpreter) {
                    case "md" -> output = "";
                    case "sql", "spark.sql" -> output = sql(spark, code, title);
                    case "spark", "spark.spark" -> {
                        if (!variablesSet) {
                            code = withVariables(code, variables, note);
                            variablesSet = true;
                        }
                        output = interpret(repl, replOutput, code, title);
                    }
                    default -> throw new AssertionError(note + ": paragraph '" + title + "' uses %" + interpreter
                            + ", which these notes do not use");
                }
                done.add(new Paragraph(title, interpreter, code, output));
            }
        } finally {
            repl.close();
        }
        return done;
    }

    private static String withVariables(String code, Map<String, String> variables, Path note) {
        for (Map.Entry<String, String> v : variables.entrySet()) {
            Pattern definition = Pattern.compile("(?m)^val " + Pattern.quote(v.getKey()) + " = .*$");
            Matcher m = definition.matcher(code);
            if (!m.find()) {
                throw new AssertionError(note + ": the first code paragraph does not define val " + v.getKey());
            }
            code = m.replaceFirst(Matcher.quoteReplacement("val " + v.getKey() + " = " + v.getValue()));
        }
        return code;
    }

    /** Feeds {@code code} line by line, as Zeppelin does, and returns what it printed. */
    private static String interpret(IMain repl, StringWriter replOutput, String code, String title) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        replOutput.getBuffer().setLength(0);
        StringBuilder pending = new StringBuilder();
        String[] lines = code.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (pending.toString().isBlank() && lines[i].trim().startsWith("//")) {
                continue; // a comment alone is no statement (the interpreter reports it as an error)
            }
            pending.append(lines[i]);
            // Zeppelin joins a line starting with '.' (a chained call) to the statement before it.
            String next = i + 1 < lines.length ? lines[i + 1].trim() : "";
            boolean nextContinues = next.startsWith(".") && !next.startsWith("..") && !next.startsWith("./");
            if (nextContinues || pending.toString().isBlank()) {
                pending.append('\n');
                continue;
            }
            String statement = pending.toString();
            Results.Result result = scala.Console.withOut(console, () -> repl.interpret(statement));
            if (result == Results.Incomplete$.MODULE$) {
                pending.append('\n');
                continue;
            }
            if (result == Results.Error$.MODULE$) {
                throw new AssertionError("paragraph '" + title + "' failed at:\n" + statement + "\n"
                        + console.toString(StandardCharsets.UTF_8) + replOutput);
            }
            pending.setLength(0);
        }
        if (!pending.toString().isBlank()) {
            throw new AssertionError("paragraph '" + title + "' ends inside an incomplete statement:\n" + pending);
        }
        return console.toString(StandardCharsets.UTF_8) + replOutput;
    }

    private static String sql(SparkSession spark, String code, String title) {
        try {
            StringBuilder out = new StringBuilder(String.join("\t", spark.sql(code).columns())).append('\n');
            for (Row row : spark.sql(code).collectAsList()) {
                for (int i = 0; i < row.size(); i++) {
                    out.append(i == 0 ? "" : "\t").append(row.get(i));
                }
                out.append('\n');
            }
            return out.toString();
        } catch (RuntimeException e) {
            throw new AssertionError("paragraph '" + title + "' failed: " + e.getMessage(), e);
        }
    }
}
