#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void sigmoid_f32(const float*, float*, long); void silu_f32(const float*, float*, long);
void softplus_f32(const float*, float*, long); void tanh_f32(const float*, float*, long);
void mish_f32(const float*, float*, long); void gelu_f32(const float*, float*, long); void gelu2_f32(const float*, float*, long); void gelu3_f32(const float*, float*, long); void exp_f64(const double*, double*, long);
static double now(){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+1e-9*t.tv_nsec;}
int main(){ long n=100000; float *x=malloc(4*n),*y=malloc(4*n); double *xd=malloc(8*n),*yd=malloc(8*n);
 for(long i=0;i<n;i++){x[i]=-10+20.0*i/n; xd[i]=x[i];}
 struct {const char*nm; void(*f)(const float*,float*,long);} fs[]={{"sigmoid",sigmoid_f32},{"silu",silu_f32},{"softplus",softplus_f32},{"tanh",tanh_f32},{"mish",mish_f32},{"gelu",gelu_f32},{"gelu2",gelu2_f32},{"gelu3",gelu3_f32}};
 for(int k=0;k<8;k++){ double best=1e9; for(int r=0;r<50;r++){double t=now(); fs[k].f(x,y,n); t=now()-t; if(t<best)best=t;} printf("%s %.3f ns/el  ", fs[k].nm, best/n*1e9);}
 double best=1e9; for(int r=0;r<50;r++){double t=now(); exp_f64(xd,yd,n); t=now()-t; if(t<best)best=t;} printf("exp_f64 %.3f\n", best/n*1e9);
}
