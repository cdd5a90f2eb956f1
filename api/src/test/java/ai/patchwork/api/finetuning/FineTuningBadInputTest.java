package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.TaskModelServices;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Bad input is a clear error, never a 5xx: a 4xx in OpenAI's envelope naming the field (and the line of a file), or,
 * for what only the model's tokenizer can tell, a {@code failed} job whose error names the line.
 */
@FineTuningApiTest
class FineTuningBadInputTest {

    static final String GOOD =
            ReverseCodeTask.jsonl(new ReverseCodeTask(42, 80).trainingCodes().subList(0, 3));

    @LocalServerPort
    int port;

    static void assertError(ApiClient.Response r, int status, String param, String code, String messagePart) {
        assertEquals(status, r.status(), r.text());
        JsonNode error = r.json().path("error");
        for (String key : List.of("message", "type", "param", "code"))
            assertTrue(error.has(key), key + " in " + r.text());
        assertEquals("invalid_request_error", error.path("type").asString());
        if (param != null) assertEquals(param, error.path("param").asString(), r.text());
        if (code != null) assertEquals(code, error.path("code").asString(), r.text());
        assertTrue(error.path("message").asString().contains(messagePart), r.text());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "malformed JSON line | {\"messages\": [ | line 4: is not valid JSON",
                "missing assistant turn | {\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]} | line 4: has no assistant message to train on (missing assistant turn)",
                "unknown role | {\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]} | line 4: messages[0]: unknown role 'wizard'",
                "not the chat format | {\"text\": \"hello\"} | line 4: has neither"
            })
    void aTrainingFileWithABadLineIsRefusedNamingTheLine(String name, String badLine, String message) {
        // given three good lines and a bad fourth; when uploaded for fine-tuning; then 400 naming the line
        ApiClient.Response r = new FineTuningClient(port).upload("fine-tune", "bad.jsonl", GOOD + badLine + "\n");
        assertError(r, 400, "file", "invalid_file_format", message);
    }

    @Test
    void emptyFilesMissingPartsAndUnknownPurposesAreRefused() {
        FineTuningClient client = new FineTuningClient(port);
        assertError(
                client.upload("fine-tune", "empty.jsonl", ""), 400, "file", "invalid_file_format", "the file is empty");
        assertError(
                client.upload("fine-tune", "blank.jsonl", "\n\n"), 400, "file", "invalid_file_format", "no examples");
        assertError(client.upload("homework", "a.jsonl", GOOD), 400, "purpose", "invalid_purpose", "is not one of");
        ApiClient.Response noFile =
                client.http.post("/v1/files", MultipartBody.create().field("purpose", "fine-tune"));
        assertError(noFile, 400, "file", null, "file");
        assertError(client.http.get("/v1/files/file-nope"), 404, "file_id", "file_not_found", "no file 'file-nope'");
        assertError(client.http.delete("/v1/files/file-nope"), 404, "file_id", "file_not_found", "no file");
    }

    @Test
    void jobsNamingUnknownModelsFilesOrWrongPurposesAreRefused() {
        FineTuningClient client = new FineTuningClient(port);
        String training = client.trainingFile(GOOD);
        ApiClient.Response other = client.upload("assistants", "notes.jsonl", GOOD);
        String assistants = other.json().path("id").asString();
        String job = "{\"model\": \"%s\", \"training_file\": \"%s\"}";

        assertError(
                client.createJob(job.formatted("gpt-17", training)),
                400,
                "model",
                "model_not_found",
                "model 'gpt-17' is not a base model");
        assertError(
                client.createJob(job.formatted(TaskModelServices.BASE, "file-nope")),
                400,
                "training_file",
                "file_not_found",
                "training_file 'file-nope' does not exist");
        assertError(
                client.createJob(job.formatted(TaskModelServices.BASE, assistants)),
                400,
                "training_file",
                "invalid_file_purpose",
                "has purpose 'assistants'");
        assertError(
                client.createJob("{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + training
                        + "\", \"validation_file\": \"file-gone\"}"),
                400,
                "validation_file",
                "file_not_found",
                "does not exist");
        assertError(client.createJob("{\"model\": \"x\""), 400, null, "invalid_json", "not valid JSON");
        assertError(
                client.createJob("{\"training_file\": \"" + training + "\"}"),
                400,
                "model",
                "missing_model",
                "model is required");
        assertError(
                client.createJob(
                        "{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + training
                                + "\", \"method\": {\"type\": \"supervised\", \"supervised\": {\"hyperparameters\": {\"n_epochs\": 0}}}}"),
                400,
                "n_epochs",
                "invalid_hyperparameter",
                "n_epochs must be between 1 and 50");
        assertError(
                client.createJob("{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + training
                        + "\", \"method\": {\"type\": \"orpo\"}}"),
                400,
                "method.type",
                null,
                "'supervised', 'dpo' and 'reinforcement'");
        assertError(
                client.createJob("{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + training
                        + "\", \"method\": {\"type\": \"dpo\", \"dpo\": {\"hyperparameters\": {\"beta\": 0}}}}"),
                400,
                "method.dpo.hyperparameters.beta",
                "invalid_hyperparameter",
                "greater than 0");
        assertError(
                client.createJob("{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + training
                        + "\", \"patchwork\": {\"lora\": {\"rank\": 8}}}"),
                400,
                "patchwork.lora.rank",
                null,
                "not a known option");
        assertError(
                client.createJob("{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + training
                        + "\", \"patchwork\": {\"lora\": {\"r\": \"big\"}}}"),
                400,
                "patchwork.lora.r",
                "invalid_request",
                "patchwork.lora.r must be an integer");
        assertError(
                client.createJob("{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + training
                        + "\", \"method\": \"supervised\"}"),
                400,
                "method",
                "invalid_request",
                "method must be an object");
        assertError(
                client.createJob("{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + training
                        + "\", \"patchwork\": {\"lora\": {\"r\": 64}}}"),
                400,
                "patchwork.lora.r",
                "rank_not_servable",
                "serving loads adapters of rank at most 16");
        assertError(
                client.http.get("/v1/fine_tuning/jobs/ftjob-nope"), 404, null, "job_not_found", "no fine-tuning job");
        assertError(
                client.http.post("/v1/fine_tuning/jobs/ftjob-nope/cancel", "application/json", ""),
                404,
                null,
                "job_not_found",
                "no fine-tuning job");
        assertError(
                client.http.get("/v1/fine_tuning/jobs/ftjob-nope/events"),
                404,
                null,
                "job_not_found",
                "no fine-tuning job");
        assertError(client.http.get("/v1/fine_tuning/jobs?limit=0"), 400, "limit", null, "limit must be between");
    }

    @Test
    void aSupervisedOrDpoJobOnFewerThanTenExamplesIsRefusedAndNothingIsWritten() {
        // given a training file of 3 examples and one of 9 preference pairs
        FineTuningClient client = new FineTuningClient(port);
        String three = client.trainingFile(GOOD);
        String ninePairs = client.trainingFile(ReverseCodeTask.preferenceJsonl(
                new ReverseCodeTask(42, 80).trainingCodes().subList(0, 9)));
        long before = client.http
                .get("/v1/fine_tuning/jobs?limit=1000")
                .json()
                .path("data")
                .size();

        // when jobs are created on them, then each is a 400 naming the training file and the minimum
        assertError(
                client.createJob(
                        "{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + three + "\"}"),
                400,
                "training_file",
                "invalid_n_examples",
                "training_file has 3 example(s), but must have at least 10 examples");
        assertError(
                client.createJob("{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + ninePairs
                        + "\", \"method\": {\"type\": \"dpo\"}}"),
                400,
                "training_file",
                "invalid_n_examples",
                "has 9 example(s)");

        // and no job was written
        assertEquals(
                before,
                client.http
                        .get("/v1/fine_tuning/jobs?limit=1000")
                        .json()
                        .path("data")
                        .size());
    }

    @Test
    void reinforcementJobsWithBadGradersOrSettingsAreRefusedNamingThePath() {
        FineTuningClient client = new FineTuningClient(port);
        String prompts = client.trainingFile(ReverseCodeTask.promptJsonl(List.of("BHNT", "CJPV")));
        String grader = "{\"type\": \"string_check\", \"name\": \"exact\", \"input\": \"{{sample.output_text}}\", "
                + "\"reference\": \"{{item.answer}}\", \"operation\": \"eq\"}";
        String job = "{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + prompts + "\", "
                + "\"method\": {\"type\": \"reinforcement\", \"reinforcement\": %s}%s}";

        assertError(
                client.createJob(job.formatted("{}", "")),
                400,
                "method.reinforcement.grader",
                "missing_grader",
                "grader is required");
        assertError(
                client.createJob(job.formatted(
                        "{\"grader\": {\"type\": \"python\", \"name\": \"p\", "
                                + "\"source\": \"def grade(s, i): return 1\"}}",
                        "")),
                400,
                "method.reinforcement.grader.type",
                "unsupported_grader",
                "not supported");
        assertError(
                client.createJob(
                        job.formatted("{\"grader\": " + grader.replace(", \"operation\": \"eq\"", "") + "}", "")),
                400,
                "method.reinforcement.grader.operation",
                null,
                "operation");
        assertError(
                client.createJob(job.formatted(
                        "{\"grader\": " + grader + ", \"hyperparameters\": " + "{\"eval_samples\": 0}}", "")),
                400,
                "method.reinforcement.hyperparameters.eval_samples",
                "invalid_hyperparameter",
                "between 1 and 32");
        assertError(
                client.createJob(
                        job.formatted("{\"grader\": " + grader + ", \"hyperparameters\": " + "{\"beta\": 0.1}}", "")),
                400,
                "method.reinforcement.hyperparameters.beta",
                null,
                "not a known");
        assertError(
                client.createJob(job.formatted("{\"grader\": " + grader + "}", ", \"patchwork\": {\"group_size\": 1}")),
                400,
                "patchwork.group_size",
                "invalid_hyperparameter",
                "between 2 and 64");
        assertError(
                client.createJob(job.formatted(
                        "{\"grader\": " + grader + "}", ", \"patchwork\": {\"initial_adapter\": \"no-such-adapter\"}")),
                400,
                "patchwork.initial_adapter",
                "adapter_not_found",
                "no-such-adapter");
        assertError(
                client.createJob("{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + prompts
                        + "\", \"patchwork\": {\"group_size\": 4}}"),
                400,
                "patchwork.group_size",
                null,
                "this job is supervised");
        assertEquals(
                0,
                client.http
                        .get("/v1/fine_tuning/jobs?limit=100")
                        .json()
                        .path("data")
                        .valueStream()
                        .filter(j -> j.path("training_file").asString().equals(prompts))
                        .count(),
                "no job was created");
    }

    @Test
    void aLineOverTheLineLimitIsRefusedNamingItAndNothingIsStored() {
        FineTuningClient client = new FineTuningClient(port);
        int filesBefore = client.http.get("/v1/files").json().path("data").size();
        String longLine = "{\"prompt\": \"" + "x".repeat(300 << 10) + "\", \"completion\": \"y\"}\n";
        assertError(
                client.upload("fine-tune", "long.jsonl", GOOD + longLine + GOOD),
                400,
                "file",
                "invalid_file_format",
                "line 4: is longer than 262144 bytes, the limit of a line");
        assertEquals(
                filesBefore, client.http.get("/v1/files").json().path("data").size(), "no file row");
    }

    @Test
    void anUploadDeclaringMoreThanTheFileLimitIsRefusedBeforeItsBodyIsRead() throws Exception {
        // given a client that announces 100 MB (the limit is 8 MB) and sends none of it
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            String head = "POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nAuthorization: "
                    + new FineTuningClient(port).http.authorization() + "\r\nContent-Length: " + (100 << 20)
                    + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // when the server answers; then 413 in OpenAI's envelope without waiting for the body
            // (the connection stays open: the server would read the announced body to close it cleanly)
            StringBuilder received = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (!received.toString().endsWith("}}")) {
                int n = socket.getInputStream().read(buffer);
                if (n < 0) break;
                received.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
            String answer = received.toString();
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.contains("\"code\":\"request_too_large\""), answer);
            assertTrue(answer.contains("patchwork.fine-tuning.max-file-size"), answer);
        }
    }

    @Test
    void aFileThatIsNeitherExamplesNorPromptsIsRefusedWithTheFormatThatGotFurthest() {
        FineTuningClient client = new FineTuningClient(port);
        String line = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"answer\": \"x\"}\n";
        assertError(
                client.upload(
                        "fine-tune",
                        "prompts.jsonl",
                        line + line + "{\"messages\": [{\"role\": \"assistant\", " + "\"content\": \"hi\"}]}\n"),
                400,
                "file",
                "invalid_file_format",
                "line 3: the last message must be from the user");
        assertEquals(
                "processed",
                client.upload("fine-tune", "prompts.jsonl", line + line)
                        .json()
                        .path("status")
                        .asString());
    }

    @Test
    void anExampleOverTheContextLengthFailsTheJobNamingTheLine() throws Exception {
        // given a well-formed file of 10 examples whose tenth is longer than the model's 256-token context
        FineTuningClient client = new FineTuningClient(port);
        String longLine = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "word ".repeat(300) + "\"}, "
                + "{\"role\": \"assistant\", \"content\": \"ok\"}]}\n";
        String file = client.trainingFile(ReverseCodeTask.jsonl(
                        new ReverseCodeTask(42, 80).trainingCodes().subList(0, 9))
                + longLine);

        // when a job is created (accepted: only the worker knows the model's tokens) and validated
        ApiClient.Response created = client.createJob(
                "{\"model\": \"" + TaskModelServices.BASE + "\", \"training_file\": \"" + file + "\"}");
        assertEquals(200, created.status(), created.text());
        String id = created.json().path("id").asString();
        JsonNode job = client.awaitStatus(id, Set.of("failed", "succeeded", "cancelled"), Duration.ofSeconds(60));

        // then it failed, and the error names the file, the line and the lengths
        assertEquals("failed", job.path("status").asString());
        JsonNode error = job.path("error");
        assertEquals("invalid_training_file", error.path("code").asString());
        assertEquals("training_file", error.path("param").asString());
        assertTrue(error.path("message").asString().contains("line 10: the example is"), error.toString());
        assertTrue(
                error.path("message").asString().contains("more than the model's context of 256 tokens"),
                error.toString());
        assertTrue(job.path("finished_at").isNumber());

        // and a finished job cannot be cancelled
        assertError(
                client.http.post("/v1/fine_tuning/jobs/" + id + "/cancel", "application/json", ""),
                400,
                null,
                "job_not_cancellable",
                "has already failed");
    }
}
