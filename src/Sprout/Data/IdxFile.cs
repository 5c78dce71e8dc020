using System.Buffers.Binary;
using System.IO.Compression;

namespace Sprout.Data;

/// <summary>
/// Reads IDX files (LeCun's MNIST format): 2 zero bytes, a type byte (0x08 = unsigned byte), the number of
/// dimensions, each dimension as a big-endian int32, then the data. Gzip-compressed files are recognized by their
/// magic bytes. Every inconsistency is a <see cref="FormatException"/> naming the file, what was expected and what
/// came; memory grows only as data actually arrives, so a header that claims huge sizes allocates nothing big.
/// </summary>
public static class IdxFile
{
    private const int MaxRank = 4;

    /// <summary>Reads a file; see <see cref="Read(Stream, string)"/>.</summary>
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        return Read(file, path);
    }

    /// <summary>Reads an IDX stream of unsigned bytes (raw or gzip). <paramref name="name"/> is used in error messages.</summary>
    public static (int[] Dims, byte[] Data) Read(Stream stream, string name = "IDX stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffered = new BufferedStream(stream);
        Span<byte> peek = stackalloc byte[2];
        int got = buffered.ReadAtLeast(peek, 2, throwOnEndOfStream: false);
        Stream source = got == 2 && peek[0] == 0x1f && peek[1] == 0x8b
            ? new GZipStream(new PrefixedStream(peek[..got].ToArray(), buffered), CompressionMode.Decompress)
            : new PrefixedStream(peek[..got].ToArray(), buffered);
        try
        {
            using (source) return ReadRaw(source, name);
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"{name}: the gzip data is corrupt ({e.Message}).", e);
        }
    }

    private static (int[] Dims, byte[] Data) ReadRaw(Stream s, string name)
    {
        Span<byte> header = stackalloc byte[4];
        ReadExactly(s, header, name, "the 4-byte magic number", 0);
        if (header[0] != 0 || header[1] != 0)
            throw new FormatException($"{name}: not an IDX file: the magic number starts with 0x{header[0]:x2}{header[1]:x2}, expected 0x0000.");
        if (header[2] != 0x08)
            throw new FormatException($"{name}: IDX data type 0x{header[2]:x2} is not supported; expected 0x08 (unsigned byte), as Fashion-MNIST uses.");
        int rank = header[3];
        if (rank is < 1 or > MaxRank)
            throw new FormatException($"{name}: the header declares {rank} dimensions; expected 1 to {MaxRank}.");
        var dims = new int[rank];
        long total = 1;
        Span<byte> word = stackalloc byte[4];
        for (int d = 0; d < rank; d++)
        {
            ReadExactly(s, word, name, $"dimension {d}", 4 + 4 * d);
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[d] <= 0) throw new FormatException($"{name}: dimension {d} is {dims[d]}; expected a positive size.");
            total *= dims[d];
            if (total > Array.MaxLength)
                throw new FormatException($"{name}: the declared sizes ({string.Join(" x ", dims[..(d + 1)])}) exceed what one array can hold.");
        }
        var data = ReadGrowing(s, (int)total, name, 4 + 4 * rank);
        if (s.ReadByte() >= 0)
            throw new FormatException($"{name}: there is data after the {total} bytes the header declares ({string.Join(" x ", dims)}); the file does not match its header.");
        return (dims, data);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, growing the buffer only as data arrives.</summary>
    private static byte[] ReadGrowing(Stream s, int count, string name, long offset)
    {
        var buffer = new byte[Math.Min(count, 1 << 20)];
        int filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(count, buffer.Length * 2L));
            int n = s.Read(buffer, filled, buffer.Length - filled);
            if (n == 0)
                throw new FormatException($"{name}: truncated: the header declares {count} data bytes but only {filled} follow (data starts at offset {offset}).");
            filled += n;
        }
        return buffer;
    }

    private static void ReadExactly(Stream s, Span<byte> into, string name, string what, long offset)
    {
        if (s.ReadAtLeast(into, into.Length, throwOnEndOfStream: false) < into.Length)
            throw new FormatException($"{name}: truncated: the file ends inside {what} (offset {offset}).");
    }

    /// <summary>A stream that yields a few already-read bytes before the rest of an inner stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _position);
                prefix.AsSpan(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }
            return inner.Read(buffer);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
