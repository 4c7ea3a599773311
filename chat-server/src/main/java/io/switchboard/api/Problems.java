package io.switchboard.api;

import io.lettuce.core.RedisException;
import io.switchboard.broker.BrokerUnavailableException;
import io.switchboard.broker.NoSuchMessageException;
import io.switchboard.broker.NoSuchRoomException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every refusal of the server API as problem+json (RFC 9457): {@code type}, {@code title} (the
 * status's reason), {@code status}, {@code detail} (what was wrong, in words) and {@code instance}
 * (the path). Spring MVC's own refusals (a body that is not JSON, a wrong method or media type)
 * come out the same way through {@link ResponseEntityExceptionHandler}.
 */
@RestControllerAdvice(assignableTypes = {ApiController.class, ModerationController.class, WebhookController.class})
final class Problems extends ResponseEntityExceptionHandler {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Object> refused(ApiException e, WebRequest request) {
        return problem(e.status, e.getMessage(), request);
    }

    @ExceptionHandler({BrokerUnavailableException.class, NoSuchRoomException.class, NoSuchMessageException.class,
            RedisException.class,
            IllegalArgumentException.class, CompletionException.class})
    ResponseEntity<Object> failed(Exception e, WebRequest request) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ApiException api) {
            return refused(api, request);
        }
        if (cause instanceof IllegalArgumentException) { // a cursor the broker did not make
            return problem(HttpStatus.BAD_REQUEST, cause.getMessage(), request);
        }
        if (cause instanceof NoSuchRoomException || cause instanceof NoSuchMessageException) {
            return problem(HttpStatus.NOT_FOUND, cause.getMessage(), request);
        }
        if (cause instanceof BrokerUnavailableException || cause instanceof RedisException) {
            return problem(HttpStatus.SERVICE_UNAVAILABLE, "the node cannot reach Redis now; retry", request);
        }
        throw new IllegalStateException(cause);
    }

    private ResponseEntity<Object> problem(HttpStatus status, String detail, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        return handleExceptionInternal(new ApiException(status, detail), body, new HttpHeaders(), status, request);
    }

    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode status,
                                                          WebRequest request) {
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return super.createResponseEntity(body, headers, status, request);
    }

    /** A body that is not JSON, or not the JSON this call takes: said in words, with where it went wrong. */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        Throwable cause = e.getMostSpecificCause();
        String why = cause == e || cause.getMessage() == null ? "" : ": " + cause.getMessage().lines().findFirst().orElse("");
        return problem(HttpStatus.BAD_REQUEST, "the body is not the JSON object this call takes" + why, request);
    }

    /** The same answer, written where no controller runs (the key check). */
    static void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail)
            throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("detail", detail);
        body.put("instance", request.getRequestURI());
        body.put("status", status.value());
        body.put("title", status.getReasonPhrase());
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        JSON.writeValue(response.getOutputStream(), body);
    }
}
