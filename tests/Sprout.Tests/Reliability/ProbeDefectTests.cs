using Sprout.Init;
using Sprout.IO;
using Sprout.Nn;
using Sprout.Tests.Nn;
using Sprout.Training;

namespace Sprout.Tests.Reliability;

/// <summary>The defects an outside probe found (issue 22), each in the probe's own scenario, numbered as it numbered them.</summary>
public sealed class ProbeDefectTests : TemporaryFolderTests
{
    private static Sequential ConvBnNet() =>
        new() { new Conv2D(3, 3), new BatchNorm(), new Relu(), new Flatten(), new Dense(4) };

    private static Sequential TrainedOnce()
    {
        Rng.Seed(22);
        var net = ConvBnNet();
        net.Initialize();
        using (Sprout.Autograd.Record()) net.Forward(Tensor.RandomUniform(4, 2, 6, 6)).Sum().Backward();
        return net;
    }

    [Fact]
    public void D1_a_failed_training_forward_leaves_batch_norm_running_statistics_as_they_were()
    {
        var net = TrainedOnce();
        var twin = TrainedOnce();
        var bn = (BatchNorm)net[1];
        var mean = bn.RunningMean.Data().ToArray();
        var variance = bn.RunningVar.Data().ToArray();
        Rng.Seed(5);
        var wrong = Tensor.RandomUniform(4, 2, 6, 7);
        using (Sprout.Autograd.Record())
            Assert.Throws<ShapeMismatchException>(() => net.Forward(wrong));
        Assert.Equal(mean, bn.RunningMean.Data().ToArray());
        Assert.Equal(variance, bn.RunningVar.Data().ToArray());
        foreach (var (name, p) in twin.CollectParams())
            Assert.Equal(p.Data().ToArray(), net.CollectParams()[name].Data().ToArray());
    }

    [Fact]
    public void D2_a_cycle_of_containers_is_refused_when_it_is_made()
    {
        var a = new Sequential { new Dense(3) };
        var b = new Sequential { a };
        var e = Assert.Throws<ArgumentException>(() => a.Add(b));
        Assert.Contains("cycle", e.Message);
        Assert.Equal(1, a.Count);
        a.Initialize();
        Assert.Contains("Dense", b.ToString());
        Assert.Equal(["0.0.weight", "0.0.bias"], b.CollectParams().Keys);
    }

    [Fact]
    public void D3_a_header_of_many_empty_entries_is_refused_early_and_no_reader_allocates_beyond_a_small_multiple_of_the_file()
    {
        string path = PathOf("hostile.safetensors");
        var bytes = ProbeFileHelpers.ManyEmptyEntries(100_000);
        File.WriteAllBytes(path, bytes);
        long size = bytes.Length;

        var net = new Sequential { new Dense(3) };
        net.Initialize();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FormatException>(() => net.LoadParameters(path));
        long strict = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("more than", e.Message);
        Assert.Contains(path, e.Message);
        Assert.True(strict < 2 * size, $"strict load allocated {strict:N0} bytes for a {size:N0}-byte file");

        before = GC.GetAllocatedBytesForCurrentThread();
        var result = net.LoadParameters(path, strict: false);
        long lenient = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100_000, result.Unexpected.Count);
        Assert.True(lenient < 4 * size, $"non-strict load allocated {lenient:N0} bytes for a {size:N0}-byte file");

        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Empty(SafeTensors.ReadMetadata(path));
        long metadata = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(metadata < 2 * size, $"ReadMetadata allocated {metadata:N0} bytes for a {size:N0}-byte file");
    }

    [Fact]
    public void D4_non_numeric_data_offsets_are_a_FormatException_naming_the_file()
    {
        string path = PathOf("strings.safetensors");
        File.WriteAllBytes(path, ProbeFileHelpers.File("{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,20],\"data_offsets\":[\"0\",\"160\"]}}", 160));
        var net = new Sequential { new Dense(2) };
        net.Initialize();
        var e = Assert.Throws<FormatException>(() => net.LoadParameters(path, strict: false));
        Assert.Contains(path, e.Message);
        Assert.Contains("data_offsets", e.Message);
        Assert.Throws<FormatException>(() => SafeTensors.ReadMetadata(path));
    }

    /// <summary>Rejects batches of odd size: a layer a forward reaches after the first one was filled.</summary>
    private sealed class RejectsOddBatches : Block
    {
        protected override Tensor ForwardCore(Tensor x) =>
            x.Shape[0] % 2 == 0 ? x : throw new ArgumentException($"odd batch {x.Shape[0]}");
    }

    [Fact]
    public void D5_first_forward_callers_that_fail_never_undo_a_fill_a_successful_caller_used_and_each_weight_is_filled_once()
    {
        for (int round = 0; round < 40; round++)
        {
            var init = new RecordingInit();
            var net = new Sequential { new Dense(8), new RejectsOddBatches(), new Dense(3) };
            net.Initialize(init);
            var good = Tensor.RandomUniform(2, 5);
            var bad = Tensor.RandomUniform(3, 5);
            var errors = new List<Exception>();
            int failed = 0;
            using var start = new Barrier(6);
            var threads = Enumerable.Range(0, 6).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    if (t % 2 == 0) net.Forward(good);
                    else
                    {
                        try { net.Forward(bad); }
                        catch (ArgumentException) { Interlocked.Increment(ref failed); }
                    }
                }
                catch (Exception e) { lock (errors) errors.Add(e); }
            })).ToList();
            threads.ForEach(th => th.Start());
            threads.ForEach(th => th.Join());
            Assert.Empty(errors);
            Assert.Equal(3, failed);
            Assert.Equal(["0.weight", "2.weight"], init.Calls.Select(c => c.Name).Order());
            Assert.Empty(net.PendingParameters());
            net.CollectParams()["0.weight"].Data();
        }
    }

    private static (Sequential Net, Trainer Trainer) DropoutNet(ulong seed)
    {
        Rng.Seed(seed);
        var net = new Sequential { new Dense(32, Activation.Relu), new Dropout(0.5f), new Dense(4) };
        net.Initialize(new Xavier());
        net.Build(new Shape(8, 6));
        return (net, new Trainer(net.CollectParams(), new Sgd(0.1f)));
    }

    private static void Train(Sequential net, Trainer trainer, Tensor x)
    {
        for (int step = 0; step < 30; step++)
        {
            using (Sprout.Autograd.Record()) { var y = net.Forward(x); (y * y).Sum().Backward(); }
            trainer.Step(8);
        }
    }

    [Fact]
    public void D6_concurrent_trainings_with_dropout_give_what_serial_trainings_give()
    {
        Rng.Seed(0);
        var x = Tensor.RandomUniform(8, 6);
        var serial = new[] { DropoutNet(1), DropoutNet(2) };
        foreach (var (net, trainer) in serial) Train(net, trainer, x);
        for (int run = 0; run < 3; run++)
        {
            var concurrent = new[] { DropoutNet(1), DropoutNet(2) };
            Parallel.ForEach(concurrent, new ParallelOptions { MaxDegreeOfParallelism = 2 }, nt => Train(nt.Net, nt.Trainer, x));
            for (int i = 0; i < 2; i++)
                foreach (var (name, p) in serial[i].Net.CollectParams())
                    Assert.Equal(p.Data().ToArray(), concurrent[i].Net.CollectParams()[name].Data().ToArray());
        }
    }

    [Fact]
    public void D7_learning_rates_that_are_not_finite_and_non_negative_are_refused()
    {
        var net = new Sequential { new Dense(2, inUnits: 3) };
        net.Initialize();
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f));
        foreach (float bad in new[] { float.NaN, -1f, float.PositiveInfinity })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.LearningRate = bad);
            Assert.Contains("learning rate", e.Message);
            Assert.Equal(0.1f, trainer.LearningRate);
        }
        trainer.LearningRate = 0f;   // a schedule may end at zero
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(float.NaN));
    }

    [Fact]
    public void D8_layer_constructors_refuse_impossible_geometry_naming_the_argument()
    {
        Assert.Equal("strides", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, strides: 0)).ParamName);
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, padding: -1)).ParamName);
        Assert.Equal("dilation", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, dilation: 0)).ParamName);
        Assert.Equal("strides", Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2D(2, strides: 0)).ParamName);
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => new AvgPool2D(2, padding: 2)).ParamName);
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2D(3, padding: -1)).ParamName);
    }

    [Fact]
    public void D9_a_scalar_into_Dense_and_a_null_into_Concat_say_what_is_wrong()
    {
        var dense = new Dense(3);
        dense.Initialize();
        var e = Assert.Throws<ArgumentException>(() => dense.Forward(Tensor.Scalar(1f)));
        Assert.Contains("Dense", e.Message);
        Assert.Contains("scalar", e.Message);
        Assert.Equal(["weight"], dense.PendingParameters());
        var n = Assert.Throws<ArgumentNullException>(() => Tensor.Concat(0, Tensor.Ones(2), null!));
        Assert.Contains("tensor 1", n.Message);
    }

    [Fact]
    public void D10_save_refuses_a_header_that_load_would_refuse_and_writes_nothing()
    {
        var net = new Sequential { new Dense(2, inUnits: 3) };
        net.Initialize();
        string path = PathOf("big-metadata.safetensors");
        var metadata = new Dictionary<string, string> { ["notes"] = new string('x', 100_000_001) };
        var e = Assert.Throws<ArgumentException>(() => net.SaveParameters(path, metadata));
        Assert.Contains("100,000,000", e.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(Folder));

        var bytes = ProbeFileHelpers.File("{}");
        BitConverter.GetBytes(200_000_000UL).CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);
        var load = Assert.Throws<FormatException>(() => net.LoadParameters(path));
        Assert.Contains("limit", load.Message);
        Assert.DoesNotContain("after it", load.Message);
    }

    [Fact]
    public void D11_a_checkpoint_whose_shapes_contradict_each_other_is_refused_and_the_deferred_network_stays_unfilled()
    {
        string path = PathOf("bn.safetensors");
        File.WriteAllBytes(path, ProbeFileHelpers.Tensors(("0.gamma", [3]), ("0.beta", [5]), ("0.running_mean", [4]), ("0.running_var", [4])));
        var bn = new Sequential { new BatchNorm() };
        bn.Initialize();
        var e = Assert.Throws<CheckpointMismatchException>(() => bn.LoadParameters(path));
        Assert.Contains("BatchNorm '0'", e.Message);
        Assert.Contains("beta (5,)", e.Message);
        Assert.Equal(4, bn.PendingParameters().Count);

        File.WriteAllBytes(path, ProbeFileHelpers.Tensors(("0.weight", [8, 5]), ("0.bias", [8]), ("1.weight", [3, 4]), ("1.bias", [3])));
        var mlp = new Sequential { new Dense(8), new Dense(3) };
        mlp.Initialize();
        var e2 = Assert.Throws<CheckpointMismatchException>(() => mlp.LoadParameters(path));
        Assert.Contains("'1' (Dense) takes 4 input features but '0' (Dense) before it gives 8", e2.Message);
        Assert.Equal(["0.weight", "1.weight"], mlp.PendingParameters());

        File.WriteAllBytes(path, ProbeFileHelpers.Tensors(("0.weight", [8, 5]), ("0.bias", [8]), ("1.weight", [3, 8]), ("1.bias", [3])));
        mlp.LoadParameters(path);
        Assert.Equal(new Shape(2, 3), mlp.Forward(Tensor.Ones(2, 5)).Shape);
    }

    [Fact]
    public void A_save_removes_temporaries_that_an_interrupted_save_of_the_same_file_left_behind()
    {
        string path = PathOf("model.safetensors");
        string stale = PathOf(".model.safetensors.2147483646.0123456789abcdef.tmp");   // no such process
        File.WriteAllBytes(stale, new byte[1000]);
        var net = new Sequential { new Dense(2, inUnits: 3) };
        net.Initialize();
        net.SaveParameters(path);
        Assert.False(File.Exists(stale));
        Assert.Equal([path], Directory.GetFiles(Folder));
    }

    [Fact]
    public void Batch_norm_refuses_to_train_on_one_value_per_channel()
    {
        var net = new Sequential { new Dense(4), new BatchNorm() };
        net.Initialize();
        net.Build(new Shape(2, 3));
        var mean = net.CollectParams()["1.running_mean"].Data().ToArray();
        using (Sprout.Autograd.Record())
        {
            var e = Assert.Throws<ArgumentException>(() => net.Forward(Tensor.Ones(1, 3)));
            Assert.Contains("more than one value per channel", e.Message);
        }
        Assert.Equal(mean, net.CollectParams()["1.running_mean"].Data().ToArray());
        Assert.Equal(new Shape(1, 4), net.Forward(Tensor.Ones(1, 3)).Shape);   // prediction uses the running statistics
    }
}
