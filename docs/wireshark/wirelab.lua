-- Wireshark dissector for the wirelab wire format, version 1 (docs/wire-format.md).
--
-- Load it for one run:   tshark -X lua_script:docs/wireshark/wirelab.lua -r capture.pcap
-- or for good: copy it into Wireshark's personal Lua plugins folder (Help > About Wireshark >
-- Folders > Personal Lua Plugins) and restart Wireshark.
--
-- It registers itself heuristically on TCP, so it finds wirelab frames on any port: a
-- connection whose payload starts with the magic "WL", version 1 and a known type is wirelab.
-- Frames split over segments are reassembled (dissect_tcp_pdus), several frames in one segment
-- are all shown. The CRC-32C is computed here and compared with the frame's (wirelab.crc.status).
-- One limit (seen with tshark 4.0): a frame cut at the end of a connection's very first payload
-- segment, the one the heuristic sees, is not reassembled; wirelab clients send first, one whole
-- frame, and every later segment goes to this dissector directly and is reassembled.
--
-- Filter fields: wirelab.type, wirelab.seq, wirelab.len, wirelab.payload, wirelab.crc,
-- wirelab.crc.status ("good" or "bad"), e.g.  wirelab.crc.status == "bad"  or  wirelab.type == 4

local wirelab = Proto("wirelab", "wirelab wire format v1")

local TYPES = { [1] = "HELLO", [2] = "DATA", [3] = "ACK", [4] = "ERROR" }
local HEADER = 12
local OVERHEAD = 16
local MAX_PAYLOAD = 65536 -- the receivers' default maximum; a longer frame is no wirelab frame

local f_magic = ProtoField.string("wirelab.magic", "Magic")
local f_version = ProtoField.uint8("wirelab.version", "Version")
local f_type = ProtoField.uint8("wirelab.type", "Type", base.DEC, TYPES)
local f_seq = ProtoField.uint32("wirelab.seq", "Sequence number")
local f_len = ProtoField.uint32("wirelab.len", "Payload length")
local f_payload = ProtoField.bytes("wirelab.payload", "Payload")
local f_text = ProtoField.string("wirelab.text", "Text")
local f_crc = ProtoField.uint32("wirelab.crc", "CRC-32C", base.HEX)
local f_crc_status = ProtoField.string("wirelab.crc.status", "CRC status")
wirelab.fields = { f_magic, f_version, f_type, f_seq, f_len, f_payload, f_text, f_crc, f_crc_status }

local e_crc_bad = ProtoExpert.new("wirelab.crc.bad", "CRC-32C mismatch: the frame was corrupted",
    expert.group.CHECKSUM, expert.severity.ERROR)
wirelab.experts = { e_crc_bad }

-- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven. Wireshark 4.0 runs Lua
-- 5.2, whose bit32 library does the bit operations; later versions run Lua 5.4 and keep bit32.
local band, bxor, rshift = bit32.band, bit32.bxor, bit32.rshift
local CRC_TABLE = {}
for i = 0, 255 do
    local c = i
    for _ = 1, 8 do
        if band(c, 1) == 1 then
            c = bxor(rshift(c, 1), 0x82F63B78)
        else
            c = rshift(c, 1)
        end
    end
    CRC_TABLE[i] = c
end

local function crc32c(tvb, offset, length)
    local crc = 0xFFFFFFFF
    local bytes = tvb:raw(offset, length)
    for i = 1, #bytes do
        crc = bxor(rshift(crc, 8), CRC_TABLE[band(bxor(crc, bytes:byte(i)), 0xFF)])
    end
    return bxor(crc, 0xFFFFFFFF)
end

-- Whether the bytes at offset can start a frame: magic, version, a known type.
local function starts_frame(tvb, offset)
    if tvb:captured_len() - offset < 4 then
        return false
    end
    return tvb(offset, 2):uint() == 0x574C and tvb(offset + 2, 1):uint() == 1 and TYPES[tvb(offset + 3, 1):uint()] ~= nil
end

-- dissect_tcp_pdus asks how long the frame starting at offset is; 0 says "not a frame".
local function frame_length(tvb, pinfo, offset)
    if not starts_frame(tvb, offset) then
        return 0
    end
    local len = tvb(offset + 8, 4):uint()
    if len > MAX_PAYLOAD then
        return 0
    end
    return OVERHEAD + len
end

-- Text for the Info column, as part 1's packet list prints it.
local function escaped(tvb)
    local s = tvb:raw()
    s = s:gsub('[%c"\\\128-\255]', function(c)
        if c == "\n" then return "\\n" end
        if c == '"' then return '\\"' end
        if c == "\\" then return "\\\\" end
        return string.format("\\x%02x", c:byte())
    end)
    return '"' .. s .. '"'
end

local function dissect_frame(tvb, pinfo, tree)
    local len = tvb(8, 4):uint()
    local ftype = tvb(3, 1):uint()
    local seq = tvb(4, 4):uint()
    local name = TYPES[ftype]
    local stored = tvb(HEADER + len, 4):uint()
    local good = crc32c(tvb, 0, HEADER + len) == stored

    local t = tree:add(wirelab, tvb(0, OVERHEAD + len))
    t:add(f_magic, tvb(0, 2))
    t:add(f_version, tvb(2, 1))
    t:add(f_type, tvb(3, 1))
    t:add(f_seq, tvb(4, 4))
    t:add(f_len, tvb(8, 4))
    if len > 0 then
        t:add(f_payload, tvb(HEADER, len))
        if ftype == 1 or ftype == 4 then
            t:add(f_text, tvb(HEADER, len))
        end
    end
    local crc_item = t:add(f_crc, tvb(HEADER + len, 4))
    t:add(f_crc_status, good and "good" or "bad")
    if not good then
        crc_item:add_proto_expert_info(e_crc_bad)
    end

    local info
    if ftype == 2 then
        info = "DATA seq=" .. seq .. " len=" .. len
    elseif ftype == 3 then
        info = "ACK seq=" .. seq
    elseif ftype == 1 then
        info = "HELLO " .. escaped(tvb(HEADER, len))
    else
        info = "ERROR seq=" .. seq .. " " .. escaped(tvb(HEADER, len))
    end
    if not good then
        info = info .. " CRC BAD"
    end
    t:append_text(", " .. info)

    pinfo.cols.protocol = "WIRELAB"
    -- Several frames in one segment: one Info text, frames separated by commas.
    if pinfo.private["wirelab_info"] then
        pinfo.private["wirelab_info"] = pinfo.private["wirelab_info"] .. ", " .. info
    else
        pinfo.private["wirelab_info"] = info
    end
    pinfo.cols.info = pinfo.src_port .. " → " .. pinfo.dst_port .. " " .. pinfo.private["wirelab_info"]
    return OVERHEAD + len
end

function wirelab.dissector(tvb, pinfo, tree)
    if not starts_frame(tvb, 0) then
        return 0
    end
    dissect_tcp_pdus(tvb, tree, HEADER, frame_length, dissect_frame)
    return tvb:captured_len()
end

local function heuristic(tvb, pinfo, tree)
    if not starts_frame(tvb, 0) then
        return false
    end
    -- The rest of this connection, in both directions, goes to this dissector directly: a
    -- segment that starts in the middle of a frame would fail the magic test.
    pinfo.conversation = wirelab
    wirelab.dissector(tvb, pinfo, tree)
    return true
end

wirelab:register_heuristic("tcp", heuristic)
