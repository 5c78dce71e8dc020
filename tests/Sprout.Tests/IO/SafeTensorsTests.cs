using System.Diagnostics;
using System.Text;
using Sprout.IO;
using Sprout.Nn;
using Sprout.Tests.Nn;

namespace Sprout.Tests.IO;

public sealed class SafeTensorsTests : TemporaryFolderTests
{
    private static Sequential Mlp() => new() { new Dense(16, Activation.Relu), new Dense(4) };

    private static Sequential TrainedMlp()
    {
        Rng.Seed(3);
        var net = Mlp();
        net.Initialize(new Sprout.Init.Xavier());
        net.Forward(Tensor.RandomUniform(2, 10));
        return net;
    }

    [Fact]
    public void Save_then_load_into_a_fresh_deferred_network_gives_bit_identical_outputs()
    {
        var net = TrainedMlp();
        var x = Tensor.RandomUniform(5, 10);
        var expected = net.Forward(x).ToArray();
        net.SaveParameters(PathOf("mlp.safetensors"), new Dictionary<string, string> { ["format"] = "pt" });

        var fresh = Mlp();
        var init = new RecordingInit();
        fresh.Initialize(init);
        Assert.Equal(["0.weight", "1.weight"], fresh.PendingParameters());
        var result = fresh.LoadParameters(PathOf("mlp.safetensors"));
        Assert.Empty(result.Missing);
        Assert.Empty(fresh.PendingParameters());
        Assert.Equal(new Shape(16, 10), fresh[0].Params["weight"].Shape);
        Assert.Equal(expected, fresh.Forward(x).ToArray());
        Assert.Empty(init.Calls);   // no random initializer ran
        Assert.Equal("pt", SafeTensors.ReadMetadata(PathOf("mlp.safetensors"))["format"]);

        var uninitialized = Mlp();   // never Initialize()d: loading fills it too
        uninitialized.LoadParameters(PathOf("mlp.safetensors"));
        Assert.Equal(expected, uninitialized.Forward(x).ToArray());
    }

    [Fact]
    public void The_file_follows_the_safetensors_layout()
    {
        TrainedMlp().SaveParameters(PathOf("a.safetensors"));
        var bytes = File.ReadAllBytes(PathOf("a.safetensors"));
        long n = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, n % 8);
        string json = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.Contains("\"0.weight\":{\"dtype\":\"F32\",\"shape\":[16,10],\"data_offsets\":[0,640]}", json);
        Assert.Equal(8 + n + (16 * 10 + 16 + 4 * 16 + 4) * 4, bytes.Length);
    }

    [Fact]
    public void Loading_into_filled_parameters_checks_shapes_and_reports_everything_at_once()
    {
        TrainedMlp().SaveParameters(PathOf("mlp.safetensors"));
        var wrong = new Sequential { new Dense(16, Activation.Relu, inUnits: 11), new Dense(4), new Dense(2) };
        wrong.Initialize();
        wrong.Build(new Shape(1, 11));
        var before = wrong.CollectParams().Values.Select(p => p.Data().ToArray()).ToList();
        var e = Assert.Throws<CheckpointMismatchException>(() => wrong.LoadParameters(PathOf("mlp.safetensors")));
        Assert.Contains("0.weight: network (16, 11), file (16, 10)", e.Message);
        Assert.Equal(["2.weight", "2.bias"], e.Missing);
        Assert.Equal(before, wrong.CollectParams().Values.Select(p => p.Data().ToArray()).ToList());
    }

    [Fact]
    public void Strict_reports_missing_and_unexpected_names_and_non_strict_loads_the_intersection()
    {
        TrainedMlp().SaveParameters(PathOf("mlp.safetensors"));
        var bigger = new Sequential { new Dense(16, Activation.Relu), new Dense(4), new Dense(3) };
        bigger.Initialize();
        var e = Assert.Throws<CheckpointMismatchException>(() => bigger.LoadParameters(PathOf("mlp.safetensors")));
        Assert.Equal(["2.weight", "2.bias"], e.Missing);
        Assert.Contains("strict: false", e.Message);
        Assert.Equal(["0.weight", "1.weight", "2.weight"], bigger.PendingParameters());
        var r = bigger.LoadParameters(PathOf("mlp.safetensors"), strict: false);
        Assert.Equal(["2.weight", "2.bias"], r.Missing);
        Assert.Equal(["2.weight"], bigger.PendingParameters());

        var smaller = new Sequential { new Dense(16, Activation.Relu) };
        var e2 = Assert.Throws<CheckpointMismatchException>(() => smaller.LoadParameters(PathOf("mlp.safetensors")));
        Assert.Equal(["1.weight", "1.bias"], e2.Unexpected);
    }

    [Fact]
    public void A_save_interrupted_by_an_exception_leaves_the_previous_file_unchanged()
    {
        string path = PathOf("model.safetensors");
        TrainedMlp().SaveParameters(path);
        var original = File.ReadAllBytes(path);
        var other = TrainedMlp();
        other.CollectParams()["1.bias"].Data().AsSpan().Fill(42f);
        var e = Assert.Throws<IOException>(() => SafeTensors.Save(other, path, null, s => new FailingStream(s, failAfter: 300)));
        Assert.Contains("injected", e.Message);
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Folder));   // the temporary file is gone
        var fresh = Mlp();
        fresh.LoadParameters(path);
    }

    [Fact]
    public void Saving_into_a_folder_that_does_not_exist_names_the_target_and_the_folder_not_a_temporary_file()
    {
        string path = PathOf(Path.Combine("missing", "model.safetensors"));
        var e = Assert.Throws<DirectoryNotFoundException>(() => TrainedMlp().SaveParameters(path));
        Assert.Contains($"Cannot save to {path}: its folder {PathOf("missing")} does not exist", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Folder));
    }

    [Fact]
    public void Saving_a_network_with_unfilled_parameters_names_them_and_writes_nothing()
    {
        var net = Mlp();
        net.Initialize();
        var e = Assert.Throws<InvalidOperationException>(() => net.SaveParameters(PathOf("x.safetensors")));
        Assert.Contains("0.weight (16, -1)", e.Message);
        Assert.False(File.Exists(PathOf("x.safetensors")));
    }

    public static TheoryData<string, byte[]> HostileFiles()
    {
        static byte[] File(string json, int dataBytes = 0, ulong? declared = null)
        {
            var h = Encoding.UTF8.GetBytes(json);
            var b = new byte[8 + h.Length + dataBytes];
            BitConverter.GetBytes(declared ?? (ulong)h.Length).CopyTo(b, 0);
            h.CopyTo(b, 8);
            return b;
        }
        return new TheoryData<string, byte[]>
        {
            { "too short", [1, 2, 3] },
            { "header length beyond the file", File("{}", 0, 1000) },
            { "header claiming terabytes", File("{}", 0, 1UL << 42) },
            { "malformed JSON", File("{\"a\": [1, 2") },
            { "not an object", File("[1, 2, 3]") },
            { "unknown dtype", File("{\"0.weight\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4) },
            { "offsets out of range", File("{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 2) },
            { "shape and offsets disagree", File("{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,4]}}", 4) },
            { "overlapping entries", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12) },
            { "huge shape", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[100000,100000,100000],\"data_offsets\":[0,4]}}", 4) },
            { "negative offsets", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4) },
            { "metadata not strings", File("{\"__metadata__\":{\"a\":1}}") },
        };
    }

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void Broken_or_hostile_files_are_a_FormatException_and_leave_the_network_untouched(string what, byte[] bytes)
    {
        string path = PathOf("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var net = TrainedMlp();
        var before = net.CollectParams().Values.Select(p => p.Data().ToArray()).ToList();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FormatException>(() => net.LoadParameters(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 4 << 20, what);
        Assert.Contains(path, e.Message);
        Assert.Equal(before, net.CollectParams().Values.Select(p => p.Data().ToArray()).ToList());
    }

    [Fact]
    public void Fuzz_every_checkpoint_reader_loads_or_throws_only_the_documented_exceptions_on_mutated_files()
    {
        string good = PathOf("good.safetensors");
        TrainedMlp().SaveParameters(good);
        var original = File.ReadAllBytes(good);
        var rng = Rng.Stream(2024, "fuzz");
        string path = PathOf("fuzz.safetensors");
        int loaded = 0, rejected = 0;
        var clock = Stopwatch.StartNew();
        for (int trial = 0; trial < 3000; trial++)
        {
            var bytes = Mutate(original, rng, trial);
            File.WriteAllBytes(path, bytes);
            var net = Mlp();
            try
            {
                net.LoadParameters(path, strict: trial % 3 != 0);
                loaded++;
            }
            catch (Exception e) when (e is FormatException or CheckpointMismatchException)
            {
                rejected++;
                Assert.Equal(4, net.PendingParameters().Count);   // untouched: nothing was filled
            }
            try { SafeTensors.ReadMetadata(path); }
            catch (FormatException) { }
            try { SafeTensors.LoadTensors(path); }
            catch (FormatException) { }
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {clock.Elapsed}");
        Assert.True(loaded > 0 && rejected > 0, $"loaded {loaded}, rejected {rejected}");
    }

    private static byte[] Mutate(byte[] original, RandomStream rng, int trial)
    {
        var b = (byte[])original.Clone();
        int headerEnd = 8 + (int)BitConverter.ToInt64(original, 0);
        switch (trial % 6)
        {
            case 0:   // truncate anywhere
                return b[..rng.NextInt32(b.Length)];
            case 1:   // flip bits in the header (length or JSON)
                for (int i = 0; i < 1 + rng.NextInt32(4); i++) b[rng.NextInt32(headerEnd)] ^= (byte)(1 << rng.NextInt32(8));
                return b;
            case 2:   // flip bits anywhere (data flips still load)
                for (int i = 0; i < 1 + rng.NextInt32(8); i++) b[rng.NextInt32(b.Length)] ^= (byte)(1 << rng.NextInt32(8));
                return b;
            case 4:   // put a JSON token where another kind belongs (a string for a number, an object for an array, ...)
                var json = Encoding.UTF8.GetString(b, 8, headerEnd - 8);
                string[] tokens = ["\"0\"", "{}", "[]", "null", "true", "-1", "1e30", "[0,0,0]", "\"F32\""];
                int at = rng.NextInt32(json.Length);
                int stop = Math.Min(json.Length, at + 1 + rng.NextInt32(6));
                var mutated = Encoding.UTF8.GetBytes(json[..at] + tokens[rng.NextInt32(tokens.Length)] + json[stop..]);
                var result = new byte[8 + mutated.Length + (b.Length - headerEnd)];
                BitConverter.GetBytes((ulong)mutated.Length).CopyTo(result, 0);
                mutated.CopyTo(result, 8);
                b.AsSpan(headerEnd).CopyTo(result.AsSpan(8 + mutated.Length));
                return result;
            case 5:   // a header length that disagrees with the header
                BitConverter.GetBytes((ulong)rng.NextInt32(headerEnd + 64)).CopyTo(b, 0);
                return b;
            default:  // edit a digit of the JSON header (shapes, offsets)
                var digits = Enumerable.Range(8, headerEnd - 8).Where(i => b[i] is >= (byte)'0' and <= (byte)'9').ToList();
                b[digits[rng.NextInt32(digits.Count)]] = (byte)('0' + rng.NextInt32(10));
                return b;
        }
    }

    /// <summary>Passes writes through, then throws after a number of bytes, as a full disk or a crash would.</summary>
    private sealed class FailingStream(Stream inner, int failAfter) : Stream
    {
        private int _written;
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfter) throw new IOException("injected failure while writing");
            _written += buffer.Length;
            inner.Write(buffer);
        }
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
