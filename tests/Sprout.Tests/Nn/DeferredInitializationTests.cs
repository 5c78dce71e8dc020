using Sprout.Init;
using Sprout.Nn;

namespace Sprout.Tests.Nn;

public class DeferredInitializationTests
{
    private static Sequential GetNet() => new() { new Dense(256, Activation.Relu), new Dense(10) };

    [Fact]
    public void Parameter_listing_shows_unknown_dims_before_and_after_Initialize_and_real_ones_after_the_first_forward()
    {
        var net = GetNet();
        const string Before = """
            Sequential (
              Parameter 0.weight (shape=(256, -1), dtype=float32)
              Parameter 0.bias (shape=(256,), dtype=float32)
              Parameter 1.weight (shape=(10, -1), dtype=float32)
              Parameter 1.bias (shape=(10,), dtype=float32)
            )
            """;
        Assert.Equal(Before, net.CollectParams().ToString());
        net.Initialize();
        Assert.Equal(Before, net.CollectParams().ToString());
        net.Forward(Tensor.RandomUniform(2, 20));
        Assert.Equal(Before.Replace("(256, -1)", "(256, 20)").Replace("(10, -1)", "(10, 256)"), net.CollectParams().ToString());
    }

    [Fact]
    public void Network_prints_like_gluon_with_None_until_the_input_size_is_known()
    {
        var net = GetNet();
        Assert.Equal("Sequential(\n  (0): Dense(None -> 256, Activation(relu))\n  (1): Dense(None -> 10, linear)\n)", net.ToString());
        net.Initialize();
        net.Forward(Tensor.RandomUniform(2, 20));
        Assert.Equal("Sequential(\n  (0): Dense(20 -> 256, Activation(relu))\n  (1): Dense(256 -> 10, linear)\n)", net.ToString());
    }

    [Fact]
    public void Custom_initializer_is_called_once_per_weight_at_the_first_forward_with_final_shapes()
    {
        var net = GetNet();
        var init = new RecordingInit();
        net.Initialize(init);
        Assert.Empty(init.Calls);
        net.Forward(Tensor.RandomUniform(2, 20));
        Assert.Equal([("0.weight", new Shape(256, 20)), ("1.weight", new Shape(10, 256))], init.Calls);
        net.Forward(Tensor.RandomUniform(2, 20));
        Assert.Equal(2, init.Calls.Count);
    }

    [Fact]
    public void ForceReinit_refills_at_once_and_without_it_filled_parameters_are_left_alone()
    {
        var net = GetNet();
        net.Initialize();
        net.Forward(Tensor.RandomUniform(2, 20));
        var w = net[0].Params["weight"];
        var before = w.Data().ToArray();
        var init = new RecordingInit();
        net.Initialize(init);
        Assert.Empty(init.Calls);
        Assert.Equal(before, w.Data().ToArray());
        net.Initialize(init, forceReinit: true);
        Assert.Equal([("0.weight", new Shape(256, 20)), ("1.weight", new Shape(10, 256))], init.Calls);
        Assert.All(w.Data().ToArray(), v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void A_single_sample_without_a_batch_axis_goes_through_dense_layers_as_in_pytorch()
    {
        Rng.Seed(12);
        var net = new Sequential { new Dense(4, Activation.Relu), new Dense(2) };
        net.Initialize();
        var sample = Tensor.RandomUniform(5);
        var y = net.Forward(sample);   // (5) → (4) → (2); the first forward infers in = 5 from it
        Assert.Equal(new Shape(2), y.Shape);
        Assert.Equal(net.Forward(sample.Reshape(1, 5)).ToArray(), y.ToArray());
        Sprout.Tests.Autograd.GradCheck.Assert(x => net.Forward(x[0]), Tensor.RandomUniform(5));
    }

    [Fact]
    public void Giving_inUnits_makes_Initialize_immediate()
    {
        var net = new Sequential { new Dense(256, Activation.Relu, inUnits: 20), new Dense(10, inUnits: 256) };
        var init = new RecordingInit();
        net.Initialize(init);
        Assert.Equal([("0.weight", new Shape(256, 20)), ("1.weight", new Shape(10, 256))], init.Calls);
        Assert.True(net.CollectParams().Values.All(p => p.IsInitialized));
        Assert.Empty(net.PendingParameters());
    }

    [Fact]
    public void Partial_sizes_fill_part_now_and_the_rest_at_the_first_forward()
    {
        var net = new Sequential { new Dense(256, Activation.Relu, inUnits: 20), new Dense(10) };
        var init = new RecordingInit();
        net.Initialize(init);
        Assert.Equal([("0.weight", new Shape(256, 20))], init.Calls);
        Assert.Equal(["1.weight"], net.PendingParameters());
        Assert.Equal(ParameterState.Deferred, net[1].Params["weight"].State);
        net.Forward(Tensor.RandomUniform(3, 20));
        Assert.Equal(("1.weight", new Shape(10, 256)), init.Calls[1]);
        Assert.Empty(net.PendingParameters());
    }

    [Fact]
    public void Data_before_Initialize_throws_UninitializedParameterException_naming_the_parameter_and_fix()
    {
        var net = GetNet();
        _ = net.CollectParams();
        var e = Assert.Throws<UninitializedParameterException>(() => net[0].Params["weight"].Data());
        Assert.Contains("0.weight", e.Message);
        Assert.Contains("(256, -1)", e.Message);
        Assert.Contains("Initialize()", e.Message);
        Assert.Equal("0.weight", e.ParameterPath);
    }

    [Fact]
    public void Data_while_deferred_throws_DeferredInitializationException_naming_the_parameter_shape_and_fix()
    {
        var net = GetNet();
        net.Initialize();
        var e = Assert.Throws<DeferredInitializationException>(() => net[1].Params["weight"].Data());
        Assert.Contains("1.weight", e.Message);
        Assert.Contains("(10, -1)", e.Message);
        Assert.Contains("forward pass", e.Message);
        Assert.Contains("Build", e.Message);
        Assert.Contains("inUnits", e.Message);
        Assert.Equal(new Shape(10, -1), e.Shape);
    }

    [Fact]
    public void Forward_before_Initialize_throws_and_changes_nothing()
    {
        var net = GetNet();
        var e = Assert.Throws<UninitializedParameterException>(() => net.Forward(Tensor.RandomUniform(2, 20)));
        Assert.Contains("0.weight", e.Message);
        Assert.Contains("Initialize()", e.Message);
        Assert.Equal(new Shape(256, -1), net[0].Params["weight"].Shape);
    }

    [Fact]
    public void Input_contradicting_inUnits_throws_ShapeMismatchException_with_path_sizes_and_fix()
    {
        var net = new Sequential { new Dense(256, Activation.Relu, inUnits: 20), new Dense(10, inUnits: 256) };
        net.Initialize();
        var e = Assert.Throws<ShapeMismatchException>(() => net.Forward(Tensor.RandomUniform(2, 30)));
        Assert.Equal("0.weight", e.Where);
        Assert.Contains("'0'", e.Message);
        Assert.Contains("expects 20 input features but got 30", e.Message);
        Assert.Contains("(2, 30)", e.Message);
        Assert.Contains("given when the layer was created", e.Message);
        Assert.Contains("create the layer without that size", e.Message);

        var inner = new Sequential { new Dense(10, inUnits: 256) };
        var outer = new Sequential { new Dense(20), inner };
        outer.Initialize();
        var e2 = Assert.Throws<ShapeMismatchException>(() => outer.Forward(Tensor.RandomUniform(2, 5)));
        Assert.Equal("1.0.weight", e2.Where);
        Assert.Contains("path '1.0'", e2.Message);
        Assert.Equal(new Shape(10, 256), e2.Expected);
        Assert.Equal(new Shape(10, 20), e2.Actual);
    }

    [Fact]
    public void Later_batch_with_another_feature_size_throws_ShapeMismatchException()
    {
        var net = GetNet();
        net.Initialize();
        net.Forward(Tensor.RandomUniform(2, 20));
        var e = Assert.Throws<ShapeMismatchException>(() => net.Forward(Tensor.RandomUniform(2, 21)));
        Assert.Contains("expects 20 input features but got 21", e.Message);
        Assert.Contains("inferred from the first input this layer saw", e.Message);   // not "given when created": the fix differs
        Assert.Contains("Clone()", e.Message);
        Assert.DoesNotContain("given when the layer was created", e.Message);
        Assert.Equal(new Shape(1, 10), net.Forward(Tensor.RandomUniform(1, 20)).Shape);
        var twin = (Sequential)GetNet().Clone();   // a clone keeps what was declared: its sizes are inferred, not given
        twin.Initialize();
        twin.Forward(Tensor.RandomUniform(2, 20));
        Assert.Contains("inferred from the first input", Assert.Throws<ShapeMismatchException>(() => twin.Forward(Tensor.RandomUniform(2, 21))).Message);
    }

    [Fact]
    public void A_failed_first_forward_changes_nothing_and_can_be_retried_with_the_right_input()
    {
        // Layer 0 is deferred; layer 1 insists on 256 inputs, but layer 0 makes 64: the first forward must fail.
        var net = new Sequential { new Dense(64, Activation.Relu), new Dense(10, inUnits: 256) };
        var init = new RecordingInit();
        net.Initialize(init);
        var w0 = net[0].Params["weight"];
        Assert.Throws<ShapeMismatchException>(() => net.Forward(Tensor.RandomUniform(2, 20)));
        Assert.Equal(ParameterState.Deferred, w0.State);
        Assert.Equal(new Shape(64, -1), w0.Shape);
        Assert.Equal(["0.weight"], net.PendingParameters());

        // A first forward that fails on a bad input (a 3-D batch of width 30, which fills layer 0 before layer 2
        // rejects it) leaves layer 0 unfilled, so a retry with 20 features works and fixes 20, not 30.
        var net2 = new Sequential { new Dense(8), new Flatten(), new Dense(3, inUnits: 8) };
        net2.Initialize();
        Assert.Throws<ShapeMismatchException>(() => net2.Forward(Tensor.RandomUniform(2, 2, 30)));
        Assert.Equal(new Shape(8, -1), net2[0].Params["weight"].Shape);
        Assert.Equal(new Shape(2, 3), net2.Forward(Tensor.RandomUniform(2, 20)).Shape);
        Assert.Equal(new Shape(8, 20), net2[0].Params["weight"].Shape);
    }

    [Fact]
    public void SetData_on_an_unknown_shape_fixes_it_and_fills_without_an_initializer()
    {
        var net = GetNet();
        var init = new RecordingInit();
        net.Initialize(init);
        var w = net[0].Params["weight"];
        var e = Assert.Throws<ShapeMismatchException>(() => w.SetData(Tensor.Ones(255, 20)));
        Assert.Contains("(256, -1)", e.Message);
        Assert.Contains("(255, 20)", e.Message);
        Assert.Equal(ParameterState.Deferred, w.State);
        w.SetData(Tensor.Ones(256, 20));
        Assert.Equal(new Shape(256, 20), w.Shape);
        Assert.All(w.Data().ToArray(), v => Assert.Equal(1f, v));
        net.Forward(Tensor.RandomUniform(2, 20));
        Assert.Equal(["1.weight"], init.Calls.Select(c => c.Name));
        Assert.All(w.Data().ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Parameter_identity_is_stable_and_layers_keep_their_type()
    {
        var net = GetNet();
        var dense = (Dense)net[0];
        var w = dense.Weight;
        net.Initialize();
        net.Forward(Tensor.RandomUniform(2, 20));
        Assert.Same(w, dense.Weight);
        Assert.Same(w, net.CollectParams()["0.weight"]);
        Assert.IsType<Dense>(net[0]);
        Assert.Same(w.Data(), w.Data());
    }

    [Fact]
    public void Clone_of_an_unfilled_network_fills_independently()
    {
        var net = GetNet();
        net.Initialize();
        var copy = (Sequential)net.Clone();
        copy.Forward(Tensor.RandomUniform(2, 7));
        Assert.Equal(new Shape(256, 7), copy[0].Params["weight"].Shape);
        Assert.Equal(new Shape(256, -1), net[0].Params["weight"].Shape);
        net.Forward(Tensor.RandomUniform(2, 20));
        Assert.Equal(new Shape(256, 20), net[0].Params["weight"].Shape);
        Assert.NotSame(net[0].Params["weight"], copy[0].Params["weight"]);
        Assert.IsType<Dense>(copy[0]);
    }

    [Fact]
    public void Clone_of_a_filled_network_copies_values_not_storage()
    {
        var net = GetNet();
        net.Initialize();
        var x = Tensor.RandomUniform(2, 20);
        var y = net.Forward(x).ToArray();
        var copy = net.Clone();
        Assert.Equal(y, copy.Forward(x).ToArray());
        copy.CollectParams()["1.bias"].Data().AsSpan().Fill(5f);
        Assert.Equal(y, net.Forward(x).ToArray());
    }

    [Fact]
    public void PendingParameters_lists_a_branch_no_forward_reached()
    {
        var branch = new Dense(3);
        var net = new Sequential { new Dense(4) };
        var holder = new Sequential { net, branch };
        holder.Initialize();
        net.Forward(Tensor.RandomUniform(1, 5));
        Assert.Equal(["1.weight"], holder.PendingParameters());
    }

    [Fact]
    public void Eager_and_deferred_networks_get_bit_identical_parameters_with_one_seed()
    {
        Rng.Seed(2024);
        var deferred = GetNet();
        deferred.Initialize(new Xavier());
        Rng.Seed(2024);   // each Initialize() since the seed draws a new initialization: start the eager one afresh
        var eager = new Sequential { new Dense(256, Activation.Relu, inUnits: 20), new Dense(10, inUnits: 256) };
        eager.Initialize(new Xavier());
        _ = Tensor.RandomUniform(1000);   // draws from the global stream in between change nothing
        deferred.Build(new Shape(1, 20));
        foreach (var (name, p) in eager.CollectParams())
            Assert.Equal(p.Data().ToArray(), deferred.CollectParams()[name].Data().ToArray());

        // Materialization order does not matter either: fill layer 1 on its own first, then layer 0.
        Rng.Seed(2024);
        var reversed = GetNet();
        reversed.Initialize(new Xavier());
        reversed[1].Forward(Tensor.RandomUniform(3, 256));
        reversed.Forward(Tensor.RandomUniform(3, 20));
        foreach (var (name, p) in eager.CollectParams())
            Assert.Equal(p.Data().ToArray(), reversed.CollectParams()[name].Data().ToArray());
    }

    [Fact]
    public void Eight_threads_racing_the_first_forward_fill_each_parameter_once_and_all_get_the_right_output()
    {
        var net = GetNet();
        var init = new CountingInit();
        net.Initialize(init);
        var x = Tensor.RandomUniform(4, 20);
        var outputs = new float[8][];
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            outputs[i] = net.Forward(x).ToArray();
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(2, init.Count);
        var expected = net.Forward(x).ToArray();
        Assert.All(outputs, o => Assert.Equal(expected, o));
    }

    private sealed class CountingInit : Initializer
    {
        private int _count;
        public int Count => _count;

        protected override void InitWeight(string name, Tensor data)
        {
            Interlocked.Increment(ref _count);
            Thread.Sleep(20);   // widen the window in which other threads arrive
            Random.FillUniform(data.AsSpan(), -0.1f, 0.1f);
        }
    }
}
