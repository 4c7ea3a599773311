package io.switchboard.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A WebSocket client written to the bytes of RFC 6455 and RFC 7692, offering permessage-deflate
 * exactly as Chromium does, so a test sees each frame as it crossed the wire: whether the server
 * set RSV1 (compressed it), and what it inflates to. Neither the JDK's client nor a library client
 * shows that. Sends text frames compressed or plain, masked as a client must.
 */
public final class DeflateClient implements AutoCloseable {

    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};

    /** One frame from the server; {@code text} is inflated when {@code compressed}; {@code closeCode} only for a close frame. */
    public record Received(boolean compressed, int opcode, String text, int closeCode) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** The server's {@code Sec-WebSocket-Extensions} answer, or null when it declined every extension. */
    public final String extensions;

    private DeflateClient(Socket socket, DataInputStream in, String extensions) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.extensions = extensions;
    }

    /** Connects to {@code /ws} offering {@code permessage-deflate; client_max_window_bits}; fails unless the answer is 101. */
    public static DeflateClient connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        List<String> headers = new ArrayList<>();
        for (String line = headerLine(in); !line.isEmpty(); line = headerLine(in)) {
            headers.add(line);
        }
        if (headers.isEmpty() || !headers.getFirst().contains(" 101 ")) {
            socket.close();
            throw new IOException("handshake refused: " + headers);
        }
        String extensions = headers.stream().filter(h -> h.toLowerCase().startsWith("sec-websocket-extensions:"))
                .map(h -> h.substring(h.indexOf(':') + 1).trim()).findFirst().orElse(null);
        return new DeflateClient(socket, in, extensions);
    }

    private static String headerLine(DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed during the handshake");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** Sends {@code json} as one text frame compressed as RFC 7692 says (RSV1 set, no context kept). */
    public void sendCompressed(String json) throws IOException {
        byte[] input = json.getBytes(StandardCharsets.UTF_8);
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(input);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        int n;
        do {
            n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
            compressed.write(chunk, 0, n);
        } while (n == chunk.length);
        deflater.end();
        byte[] bytes = compressed.toByteArray();
        frame(0x40, Arrays.copyOf(bytes, bytes.length - TAIL.length));
    }

    /** Sends {@code json} as one uncompressed text frame. */
    public void sendPlain(String json) throws IOException {
        frame(0x00, json.getBytes(StandardCharsets.UTF_8));
    }

    private void frame(int rsv, byte[] payload) throws IOException {
        out.write(RawWebSocket.clientFrame(0x80 | rsv | 0x1, payload));
        out.flush();
    }

    /** Reads the next frame (the server sends every message in one frame). */
    public Received read() throws IOException {
        RawWebSocket.Frame frame = RawWebSocket.readFrame(in);
        if (frame == null) {
            throw new java.io.EOFException("the server closed the connection");
        }
        byte[] payload = frame.payload();
        if (frame.opcode() == 0x8) {
            int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
            return new Received(false, frame.opcode(), new String(payload, StandardCharsets.UTF_8), code);
        }
        byte[] text = frame.rsv1() ? inflate(payload) : payload;
        return new Received(frame.rsv1(), frame.opcode(), new String(text, StandardCharsets.UTF_8), 0);
    }

    /** Reads frames until one whose JSON has {@code "type":"<type>"}, or a close frame; fails after 10 s. */
    public Received await(String type) throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            Received frame = read();
            if (frame.opcode() == 0x8 || frame.text().contains("\"type\":\"" + type + "\"")) {
                return frame;
            }
        }
        throw new IOException("no " + type + " frame within 10 s");
    }

    private static byte[] inflate(byte[] payload) throws IOException {
        Inflater inflater = new Inflater(true);
        try {
            byte[] input = Arrays.copyOf(payload, payload.length + TAIL.length);
            System.arraycopy(TAIL, 0, input, payload.length, TAIL.length);
            inflater.setInput(input);
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            while (!inflater.needsInput() && !inflater.finished()) {
                text.write(chunk, 0, inflater.inflate(chunk));
            }
            return text.toByteArray();
        } catch (DataFormatException e) {
            throw new IOException("the server's compressed frame does not inflate", e);
        } finally {
            inflater.end();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
