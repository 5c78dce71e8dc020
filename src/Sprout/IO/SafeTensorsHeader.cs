using System.Text.Json;

namespace Sprout.IO;

/// <summary>
/// The parsed and validated header of a safetensors file: for each tensor its dtype, shape and byte range in the data
/// section, checked against the file's size before anything is allocated. The JSON is read as a stream of tokens, so
/// memory stays within a small multiple of the header's size whatever it declares; entries a reader does not want are
/// validated and counted but not kept.
/// </summary>
internal sealed record SafeTensorsHeader(long DataStart, IReadOnlyList<SafeTensorsEntry> Entries, IReadOnlyList<string> Skipped,
                                         IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Headers larger than this are rejected (the reference implementation uses 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Reads the header of <paramref name="file"/>. Entries for which <paramref name="keep"/> is false go to
    /// <see cref="Skipped"/> by name (unless <paramref name="metadataOnly"/>: then tensor entries are validated but
    /// neither kept nor named, so reading the metadata of a header of a million entries costs about the header's size);
    /// more than <paramref name="maxEntries"/> tensor entries is refused as soon as it is seen.
    /// </summary>
    public static SafeTensorsHeader Read(Stream file, long fileLength, string path, Func<string, bool>? keep = null,
                                         int maxEntries = int.MaxValue, string? whyMax = null, bool metadataOnly = false)
    {
        if (fileLength < 8)
            throw new FormatException($"{path}: {fileLength} bytes is too short for a safetensors file (an 8-byte header length comes first).");
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
            throw new FormatException($"{path}: the header length at offset 0 says {headerLength:N0} bytes, over the {MaxHeaderBytes:N0}-byte limit for safetensors headers.");
        if (headerLength > (ulong)(fileLength - 8))
            throw new FormatException($"{path}: the header length at offset 0 says {headerLength:N0} bytes, but only {fileLength - 8:N0} bytes follow it; the file is truncated or not safetensors.");
        var json = new byte[headerLength];
        file.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw new FormatException($"{path}: the header (offset 8, {headerLength} bytes) is not valid UTF-8.");
        var parser = new Parser(path, fileLength - dataStart, metadataOnly ? static _ => false : keep, maxEntries, whyMax, metadataOnly);
        try { parser.Parse(json); }
        catch (JsonException e) { throw new FormatException($"{path}: the JSON header (offset 8, {headerLength} bytes) is malformed: {e.Message}", e); }
        CheckNoOverlap(parser.Ranges, path);
        return new SafeTensorsHeader(dataStart, parser.Entries, parser.Skipped, parser.Metadata);
    }

    /// <summary>The header length a file with <paramref name="headerBytes"/> of JSON gets; throws if a reader would refuse it.</summary>
    public static void CheckWritable(long headerBytes, string path)
    {
        if (headerBytes > MaxHeaderBytes)
            throw new ArgumentException(
                $"Cannot save {path}: its header (names, shapes and metadata) would take {headerBytes:N0} bytes, over the {MaxHeaderBytes:N0}-byte limit " +
                "that safetensors readers (this one included) accept. Nothing was written; store less metadata.", nameof(path));
    }

    private static void CheckNoOverlap(List<(long Begin, long End, string Name)> ranges, string path)
    {
        var sorted = ranges.OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new FormatException($"{path}: entries '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap in the data section (bytes {sorted[i].Begin} < {sorted[i - 1].End}).");
    }

    /// <summary>One pass over the header's tokens.</summary>
    private sealed class Parser(string path, long dataLength, Func<string, bool>? keep, int maxEntries, string? whyMax, bool metadataOnly)
    {
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private readonly List<int> _dims = [];
        private int _count;

        public List<SafeTensorsEntry> Entries { get; } = [];
        public List<string> Skipped { get; } = [];
        /// <summary>The non-empty byte ranges of every entry, kept or not: none may overlap another.</summary>
        public List<(long Begin, long End, string Name)> Ranges { get; } = [];
        public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

        public void Parse(byte[] json)
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new FormatException($"{path}: the JSON header must be an object; it starts with {reader.TokenType}.");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isMetadata = reader.ValueTextEquals("__metadata__"u8);
                string name = isMetadata || !metadataOnly ? reader.GetString()! : "";
                if ((isMetadata || !metadataOnly) && !_names.Add(name)) throw new FormatException($"{path}: the header names '{name}' twice.");
                reader.Read();
                if (isMetadata) { ReadMetadata(ref reader); continue; }
                if (++_count > maxEntries)
                    throw new FormatException($"{path}: the header declares more than {maxEntries:N0} tensors{(whyMax is null ? "" : $" ({whyMax})")}; reading stopped at '{name}'.");
                bool wanted = keep?.Invoke(name) ?? true;
                var entry = ReadEntry(ref reader, name, wanted);
                if (wanted) Entries.Add(entry!);
                else if (!metadataOnly) Skipped.Add(name);
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw new FormatException($"{path}: the JSON header has a {reader.TokenType} where a tensor name was expected.");
            if (reader.Read()) throw new FormatException($"{path}: the JSON header has content after its closing brace.");
        }

        private SafeTensorsEntry? ReadEntry(ref Utf8JsonReader reader, string name, bool wanted)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw Malformed(name);
            string? dtype = null;
            bool hasShape = false;
            long begin = -1, end = -1, count = 1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("dtype"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String) throw Malformed(name);
                    dtype = reader.ValueTextEquals("F32"u8) ? "F32" : reader.GetString();   // no string per entry for the usual dtype
                }
                else if (reader.ValueTextEquals("shape"u8)) { reader.Read(); count = ReadShape(ref reader, name); hasShape = true; }
                else if (reader.ValueTextEquals("data_offsets"u8)) { reader.Read(); (begin, end) = ReadOffsets(ref reader, name); }
                else { reader.Read(); reader.Skip(); }
            }
            if (dtype is null || !hasShape || begin < 0) throw Malformed(name);
            if (dtype != "F32")
                throw new FormatException($"{path}: entry '{name}' has dtype {dtype}; Sprout reads F32 (float32) tensors.");
            if (end > dataLength)
                throw new FormatException($"{path}: entry '{name}' has data_offsets [{begin}, {end}] outside the data section of {dataLength} bytes.");
            if (end - begin != count * sizeof(float))
                throw new FormatException($"{path}: entry '{name}' has shape [{string.Join(", ", _dims)}] ({count} floats, {count * 4} bytes) but data_offsets span {end - begin} bytes.");
            if (end > begin && !metadataOnly) Ranges.Add((begin, end, name));
            return wanted ? new SafeTensorsEntry(name, [.. _dims], begin, end) : null;
        }

        private long ReadShape(ref Utf8JsonReader reader, string name)
        {
            if (reader.TokenType != JsonTokenType.StartArray) throw Malformed(name);
            _dims.Clear();
            long count = 1;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int v) || v < 0)
                    throw new FormatException($"{path}: entry '{name}' has a shape entry that is not a non-negative 32-bit integer (token {reader.TokenType}).");
                _dims.Add(v);
                count *= v;
                if (count > Array.MaxLength)
                    throw new FormatException($"{path}: entry '{name}' declares shape [{string.Join(", ", _dims)}...], more elements than an array can hold.");
            }
            return count;
        }

        private (long Begin, long End) ReadOffsets(ref Utf8JsonReader reader, string name)
        {
            if (reader.TokenType != JsonTokenType.StartArray) throw Malformed(name);
            Span<long> values = stackalloc long[2];
            int n = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (n == 2 || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out values[n]))
                    throw new FormatException($"{path}: entry '{name}' needs data_offsets of two integers [begin, end]; found a {reader.TokenType} or more than two values.");
                n++;
            }
            if (n != 2 || values[0] < 0 || values[1] < values[0])
                throw new FormatException($"{path}: entry '{name}' needs data_offsets [begin, end] with 0 <= begin <= end.");
            return (values[0], values[1]);
        }

        private void ReadMetadata(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new FormatException($"{path}: \"__metadata__\" must be an object of strings.");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                reader.Read();
                Metadata[key] = reader.TokenType == JsonTokenType.String ? reader.GetString()!
                    : throw new FormatException($"{path}: \"__metadata__\" entry '{key}' is not a string.");
            }
        }

        private FormatException Malformed(string name) =>
            new($"{path}: entry '{name}' needs \"dtype\" (string), \"shape\" (array of integers) and \"data_offsets\" ([begin, end]).");
    }
}

/// <summary>One tensor of a safetensors file: name, shape, and byte range [Begin, End) within the data section.</summary>
internal sealed record SafeTensorsEntry(string Name, int[] Shape, long Begin, long End);
