package io.switchboard.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client written to the bytes: any frame a client could send (control frames of any
 * size, fragmented or not, between the pieces of a text message), frames read one by one, and a
 * peer that can stop reading at will. For what the JDK's client refuses to send.
 */
public final class RawWebSocket implements AutoCloseable {

    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    }

    /** Opens {@code /ws} on the port; fails unless the node answers 101. */
    public static RawWebSocket connect(int port) throws IOException {
        return connect(port, 0);
    }

    /** Opens {@code /ws} with {@code headers} ({@code "Name: value"}) added to the handshake. */
    public static RawWebSocket connect(int port, String... headers) throws IOException {
        return connect(port, 0, headers);
    }

    /** The same with a small receive buffer ({@code receiveBuffer} bytes; 0: the system's), for a peer that reads nothing. */
    public static RawWebSocket connect(int port, int receiveBuffer, String... headers) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(20_000);
        RawWebSocket ws = new RawWebSocket(socket);
        ws.out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n" + String.join("", java.util.Arrays.stream(headers)
                        .map(header -> header + "\r\n").toList()) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        ws.out.flush();
        String status = ws.line();
        if (!status.contains(" 101 ")) {
            socket.close();
            throw new IOException("handshake answered " + status);
        }
        while (!ws.line().isEmpty()) {
            // the response's headers
        }
        return ws;
    }

    private String line() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("closed during the handshake");
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }

    public void sendText(String text) throws IOException {
        send(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one frame, masked as a client's must be; {@code fin} false for a piece of a message (or a broken control frame). */
    public void send(boolean fin, int opcode, byte[] payload) throws IOException {
        out.write(clientFrame((fin ? 0x80 : 0) | opcode, payload));
        out.flush();
    }

    /** A frame as a client sends it: {@code firstByte} (FIN, RSV bits, opcode), the length, a mask, the masked payload. */
    static byte[] clientFrame(int firstByte, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(firstByte);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65_536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift) & 0xFF);
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        return frame.toByteArray();
    }

    /** Reads one frame as a server sends it (never masked); null at the end of the stream. */
    static Frame readFrame(DataInputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        int second = in.readUnsignedByte();
        long length = second & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] payload = new byte[Math.toIntExact(length)];
        in.readFully(payload);
        return new Frame(first, payload);
    }

    /** A close frame with a status code. */
    public void sendClose(int code) throws IOException {
        send(true, CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /** The next frame from the node, or null when the connection ended (closed, reset) or nothing came within {@code timeout}. */
    public Frame read(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            return readFrame(in);
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            if (socket.isClosed()) {
                throw e;
            }
            return null; // reset by the node
        }
    }

    /** Reads until a close frame and answers its code; {@code -1} when the connection ended without one. */
    public int awaitClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Frame frame = read(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            if (frame == null) {
                return -1;
            }
            if (frame.opcode() == CLOSE) {
                return frame.payload().length >= 2 ? ((frame.payload()[0] & 0xFF) << 8) | (frame.payload()[1] & 0xFF) : 1005;
            }
        }
        throw new AssertionError("no close within " + timeout);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A frame from the node (never masked): its first byte (FIN, RSV bits, opcode) and payload. */
    public record Frame(int firstByte, byte[] payload) {

        public boolean fin() {
            return (firstByte & 0x80) != 0;
        }

        /** RSV1: compressed (permessage-deflate). */
        public boolean rsv1() {
            return (firstByte & 0x40) != 0;
        }

        public int opcode() {
            return firstByte & 0x0F;
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }
}
