using System.IO.Compression;
using Sprout.Data;

namespace Sprout.Tests.Data;

public class IdxFileTests
{
    private static byte[] Idx(int[] dims, int dataLength)
    {
        var bytes = new List<byte> { 0, 0, 0x08, (byte)dims.Length };
        foreach (int d in dims) bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        for (int i = 0; i < dataLength; i++) bytes.Add((byte)i);
        return [.. bytes];
    }

    private static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    [Fact]
    public void Reads_raw_and_gzip_files()
    {
        var raw = Idx([2, 3], 6);
        foreach (var bytes in new[] { raw, Gzip(raw) })
        {
            var (dims, data) = IdxFile.Read(new MemoryStream(bytes));
            Assert.Equal([2, 3], dims);
            Assert.Equal([0, 1, 2, 3, 4, 5], data);
        }
    }

    [Fact]
    public void A_wrong_magic_number_is_a_clear_format_error()
    {
        var bytes = Idx([2], 2);
        bytes[0] = 0x12;
        var e = Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream(bytes), "x.idx"));
        Assert.Contains("x.idx", e.Message);
        Assert.Contains("magic", e.Message);
        bytes = Idx([2], 2);
        bytes[2] = 0x0D;
        Assert.Contains("0x0d", Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream(bytes))).Message);
    }

    [Fact]
    public void A_truncated_file_says_how_much_was_declared_and_found()
    {
        var bytes = Idx([10, 10], 100)[..60];
        var e = Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream(bytes)));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("100", e.Message);
        Assert.Contains("48", e.Message);
        Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream(Idx([10, 10], 0)[..6])));
        Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream(Gzip(Idx([10, 10], 100))[..30])));
    }

    [Fact]
    public void A_length_mismatch_with_extra_data_is_rejected()
    {
        var e = Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream(Idx([2, 2], 5))));
        Assert.Contains("after the 4 bytes", e.Message);
    }

    [Fact]
    public void A_header_claiming_huge_sizes_fails_fast_without_a_huge_allocation()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream(Idx([60000, 1000, 1000], 10))));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("exceed", e.Message);
        Assert.True(allocated < 8 << 20, $"allocated {allocated} bytes");
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream(Idx([2000, 1000, 1000], 10))));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20);
        Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream(Idx([0, 5], 0))));
        Assert.Throws<FormatException>(() => IdxFile.Read(new MemoryStream([0, 0, 8, 9])));
    }
}
