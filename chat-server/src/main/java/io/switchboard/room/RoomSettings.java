package io.switchboard.room;

/**
 * How the room layer runs.
 *
 * @param maxReplay    most messages replayed to a resuming joiner, and read from the log at once
 * @param lanes        single-threaded lanes the rooms are spread over
 * @param laneCapacity joins, publications and typing notices waiting on one lane at most
 */
record RoomSettings(int maxReplay, int lanes, int laneCapacity) {}
