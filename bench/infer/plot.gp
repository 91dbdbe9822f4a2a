# Renders the maxlen sweep of infer_bench (--sweep-maxlen CSV) to a PNG.
# usage: gnuplot -e "csv='/tmp/maxlen.csv'; out='docs/bench/maxlen.png'" bench/infer/plot.gp
# Columns: attention,window,maxlen,users,wall_mean_us,wall_p50_us,wall_p99_us,
#          cpu_mean_us,cpu_p50_us,cpu_p99_us,encode_mean_us,topk_mean_us,
#          users_per_s_wall,users_per_cpu_s,load1
if (!exists("csv")) csv = '/tmp/maxlen.csv'
if (!exists("out")) out = 'docs/bench/maxlen.png'
set terminal pngcairo size 1200,500 font ",10" noenhanced
set output out
set datafile separator ','
set key top left
set logscale xy 2
set grid
set xtics (50, 100, 200, 400, 800)
# Reference slopes through the full-attention mean at maxlen 200.
stats csv every ::1 using (strcol(1) eq "full" && $3 == 200 ? $8 : NaN) name "F" nooutput
a = F_max
set multiplot layout 1,2 title "attnrec encode + top-10 per user, one thread, default model (d 64, 2 blocks, 2 heads, ffn 512), history = maxlen items"
set title "CPU time per user (us)"
set xlabel "maxlen L (= history length)"
plot csv every ::1 using 3:(strcol(1) eq "full" ? $8 : NaN) with linespoints lw 2 pt 7 title "full attention, mean", \
     csv every ::1 using 3:(strcol(1) eq "full" ? $10 : NaN) with linespoints lw 1 pt 6 dt 2 title "full attention, p99", \
     csv every ::1 using 3:(strcol(1) eq "local" ? $8 : NaN) with linespoints lw 2 pt 5 title "local W=50, mean", \
     csv every ::1 using 3:(strcol(1) eq "local" ? $10 : NaN) with linespoints lw 1 pt 4 dt 2 title "local W=50, p99", \
     [50:800] a * (x / 200.0) with lines lc rgb "#505050" dt 2 title "O(L) through full@200", \
     [50:800] a * (x / 200.0)**2 with lines lc rgb "black" dt 3 title "O(L^2) through full@200"
set title "single-thread throughput (users per CPU-second)"
set key top right
plot csv every ::1 using 3:(strcol(1) eq "full" ? $14 : NaN) with linespoints lw 2 pt 7 title "full attention", \
     csv every ::1 using 3:(strcol(1) eq "local" ? $14 : NaN) with linespoints lw 2 pt 5 title "local W=50"
unset multiplot
